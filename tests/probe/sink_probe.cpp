// A DoD-shaped case that does its worst with a registered secret (DATABRICKS_TOKEN): writes it
// to evidence plain and base64, prints it on the console and puts it in its failure message.
// The selftest that runs it through ctest and `infra-dod report` proves none of it survives
// into the evidence, the JUnit file or the DoD table. Inert unless INFRA_DOD_SINK_PROBE=1.
#include <cstdlib>

#include "dod/dod_case.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod {

class SinkProbe : public DodCase {
 protected:
  // Whether INFRA_DOD_SINK_PROBE asks for this probe; when not, the case records why it skips.
  static bool asked_for(const std::string& mode) {
    const char* v = std::getenv("INFRA_DOD_SINK_PROBE");
    if (v && mode == v) return true;
    CaseRecorder::current().set_kind(CaseOutcome::gate_closed, "probe only runs inside its selftest");
    return false;
  }
};

TEST_F(SinkProbe, TriesToLeakARegisteredSecret) {
  if (!asked_for("1")) GTEST_SKIP() << "probe only runs inside its selftest";
  const std::string token = config().value("DATABRICKS_TOKEN");
  ASSERT_FALSE(token.empty());
  auto f = evidence().append("probe", item().id,
                             {{"plain", token},
                              {"base64", base64_encode(token)},
                              {"header", "Authorization: Bearer " + token},
                              {"note", "token " + token + " inside a sentence"}});
  if (f) record_evidence(f.value());
  evidence().write_file("probe-raw.txt", "curl -H 'Authorization: Bearer " + token + "'\n" + base64_encode(token));
  console_verdict("sink probe", false, "saw " + token + " and " + base64_encode(token));
  std::printf("%s\n", SecretRegistry::process().mask("stdout: " + token).c_str());
  record_error("could not judge: token " + token + " (" + base64_encode(token) + ")");
}

// The opposite: a bug that bypasses every mask. GUARDRAIL-SECRETS and `infra-dod report`
// must catch what it leaves behind.
TEST_F(SinkProbe, WritesARegisteredSecretRaw) {
  if (!asked_for("raw")) GTEST_SKIP() << "probe only runs inside its selftest";
  const std::string token = config().value("DATABRICKS_TOKEN");
  ASSERT_FALSE(token.empty());
  ASSERT_TRUE(append_line(evidence().dir() / "raw-leak.jsonl", "{\"oops\":\"" + token + "\"}"));
  std::printf("raw: %s\n", token.c_str());
}

}  // namespace infra_dod
