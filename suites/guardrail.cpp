// Operational guardrail: runs last in every selection (a cleanup of the run fixture) and proves
// that no secret reached the run's evidence, the per-case results or the smokes' artifact files,
// with one raw-marker-scan record per target and per marker (the runbook's NOT_FOUND lines).
// `infra-dod report` runs the same scan over the JUnit file and the DoD table it writes.
#include "dod/dod_case.h"
#include "runtime/leak_scan.h"
#include "runtime/run.h"
#include "runtime/secrets.h"

namespace infra_dod {

class Guardrail : public DodCase {};

TEST_F(Guardrail, NoSecretInEvidence) {
  const auto fingerprints = SecretRegistry::load_fingerprints(fingerprint_file(evidence().run()));
  const auto targets = guardrail_targets(config(), evidence().dir());
  std::vector<std::filesystem::path> roots;
  for (const auto& t : targets) roots.push_back(t.path);
  for (const auto& m : scan_markers(targets, fingerprints)) evidence().append("raw-marker-scan", item().id, to_json(m));
  record_evidence(evidence().dir() / "raw-marker-scan.jsonl");
  const auto leaks = scan_for_leaks(roots, fingerprints);
  for (const auto& l : leaks)
    evidence().append("guardrail", item().id, {{"file", l.file.string()}, {"line", l.line}, {"finding", l.what}});
  auto file = evidence().append("guardrail", item().id,
                                {{"scanned", nlohmann::json(roots.size())},
                                 {"registered_fingerprints", fingerprints.size()},
                                 {"findings", leaks.size()}});
  if (file) record_evidence(file.value());
  console_verdict("no secret in evidence", leaks.empty(),
                  leaks.empty() ? "" : std::to_string(leaks.size()) + " finding(s), first in " + leaks.front().file.string());
  EXPECT_TRUE(leaks.empty()) << "expected no secret in the run's evidence; found " << leaks.size()
                             << ", first: " << (leaks.empty() ? "" : leaks.front().file.string() + ":" +
                                                                         std::to_string(leaks.front().line) + " " +
                                                                         leaks.front().what)
                             << " (evidence: " << evidence().dir().string() << "/guardrail.jsonl)";
}

}  // namespace infra_dod
