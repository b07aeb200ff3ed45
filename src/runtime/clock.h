#pragma once
// Time as an injectable dependency: polling and retry code takes a Clock, so tests advance a
// FakeClock instead of sleeping.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace infra_dod {

class Clock {
 public:
  using Steady = std::chrono::steady_clock;
  using Utc = std::chrono::system_clock;
  virtual ~Clock() = default;
  virtual Steady::time_point now() = 0;
  virtual Utc::time_point utc_now() = 0;
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
};

class SystemClock final : public Clock {
 public:
  static SystemClock& instance();
  Steady::time_point now() override { return Steady::now(); }
  Utc::time_point utc_now() override { return Utc::now(); }
  void sleep_for(std::chrono::milliseconds d) override;
};

// Time moves only when someone sleeps or advance() is called.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Utc::time_point start_utc = Utc::time_point(std::chrono::seconds(1'800'000'000)));
  Steady::time_point now() override;
  Utc::time_point utc_now() override;
  void sleep_for(std::chrono::milliseconds d) override;
  void advance(std::chrono::milliseconds d);
  std::chrono::milliseconds slept() const;

 private:
  mutable std::mutex mu_;
  std::chrono::milliseconds elapsed_{0};
  std::chrono::milliseconds slept_{0};
  Utc::time_point start_utc_;
};

enum class PollOutcome { done, timed_out };

struct PollResult {
  PollOutcome outcome = PollOutcome::timed_out;
  int attempts = 0;
  std::chrono::milliseconds elapsed{0};
};

// Calls `probe` every `interval` until it returns true or `deadline` has passed since the start.
// Every wait in the harness goes through this (or a Clock), so every wait has a deadline.
PollResult poll_until(Clock& clock, std::chrono::milliseconds deadline, std::chrono::milliseconds interval,
                      const std::function<bool(int attempt, std::chrono::milliseconds elapsed)>& probe);

}  // namespace infra_dod
