#include "runtime/clock.h"

#include <thread>

namespace infra_dod {

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

void SystemClock::sleep_for(std::chrono::milliseconds d) {
  if (d.count() > 0) std::this_thread::sleep_for(d);
}

FakeClock::FakeClock(Utc::time_point start_utc) : start_utc_(start_utc) {}

Clock::Steady::time_point FakeClock::now() {
  std::lock_guard lock(mu_);
  return Steady::time_point(elapsed_);
}

Clock::Utc::time_point FakeClock::utc_now() {
  std::lock_guard lock(mu_);
  return start_utc_ + elapsed_;
}

void FakeClock::sleep_for(std::chrono::milliseconds d) {
  std::lock_guard lock(mu_);
  if (d.count() <= 0) return;
  elapsed_ += d;
  slept_ += d;
}

void FakeClock::advance(std::chrono::milliseconds d) {
  std::lock_guard lock(mu_);
  elapsed_ += d;
}

std::chrono::milliseconds FakeClock::slept() const {
  std::lock_guard lock(mu_);
  return slept_;
}

PollResult poll_until(Clock& clock, std::chrono::milliseconds deadline, std::chrono::milliseconds interval,
                      const std::function<bool(int, std::chrono::milliseconds)>& probe) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto start = clock.now();
  PollResult r;
  for (;;) {
    r.elapsed = duration_cast<milliseconds>(clock.now() - start);
    ++r.attempts;
    if (probe(r.attempts, r.elapsed)) {
      r.outcome = PollOutcome::done;
      return r;
    }
    r.elapsed = duration_cast<milliseconds>(clock.now() - start);
    if (r.elapsed >= deadline) return r;
    clock.sleep_for(std::min(interval, deadline - r.elapsed));
  }
}

}  // namespace infra_dod
