// DEV-013: the Databricks checkpoint smokes, pragmatic and strict, each with its own verdict: a
// pragmatic pass never counts as a strict pass. The gate in labels/dod.json is applied by
// DodCase::SetUp before any body runs.
#include "dod/dod_case.h"
#include "smokes/databricks.h"

namespace infra_dod {

class DEV013 : public DodCase {};

TEST_F(DEV013, PragmaticVolumeIsReachable) {
  assert_smoke(run_dev013_pragmatic(config(), evidence(), item().id, SystemClock::instance()));
}

TEST_F(DEV013, StrictRuntimeSmokeSucceeds) {
  assert_smoke(run_dev013_strict(config(), evidence(), item().id, SystemClock::instance()));
}

}  // namespace infra_dod
