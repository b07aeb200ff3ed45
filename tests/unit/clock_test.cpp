#include "runtime/clock.h"

#include <gtest/gtest.h>

namespace infra_dod {

TEST(FakeClock, SleepingAdvancesTimeWithoutWaiting) {
  FakeClock clock;
  const auto t0 = clock.now();
  const auto u0 = clock.utc_now();
  clock.sleep_for(std::chrono::minutes(15));
  EXPECT_EQ(clock.now() - t0, std::chrono::minutes(15));
  EXPECT_EQ(clock.utc_now() - u0, std::chrono::minutes(15));
  EXPECT_EQ(clock.slept(), std::chrono::minutes(15));
}

TEST(PollUntil, StopsAsSoonAsTheProbeSucceeds) {
  FakeClock clock;
  const auto r = poll_until(clock, std::chrono::seconds(900), std::chrono::seconds(20),
                            [](int attempt, auto) { return attempt == 3; });
  EXPECT_EQ(r.outcome, PollOutcome::done);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(clock.slept(), std::chrono::seconds(40));
}

TEST(PollUntil, GivesUpAtTheDeadlineAndNeverSleepsPastIt) {
  FakeClock clock;
  const auto r = poll_until(clock, std::chrono::seconds(900), std::chrono::seconds(20), [](int, auto) { return false; });
  EXPECT_EQ(r.outcome, PollOutcome::timed_out);
  EXPECT_EQ(clock.slept(), std::chrono::seconds(900));
  EXPECT_EQ(r.attempts, 46);  // t = 0, 20, ..., 900
}

}  // namespace infra_dod
