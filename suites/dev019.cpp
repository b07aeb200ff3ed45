// DEV-019: the serverless watchdog smoke, and the wrapper's guardrails checked on a local copy.
// The gates in labels/dod.json are applied by DodCase::SetUp before any body runs.
#include "dod/dod_case.h"
#include "smokes/databricks.h"

namespace infra_dod {

class DEV019 : public DodCase {};

TEST_F(DEV019, ServerlessWatchdogRunSucceeds) {
  assert_smoke(run_dev019_watchdog(config(), evidence(), item().id, SystemClock::instance()));
}

TEST_F(DEV019, WrapperFollowsTheGuardrails) { assert_smoke(run_wrapper_lint(config(), evidence(), item().id)); }

}  // namespace infra_dod
