#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "commands.h"
#include "registry/attestation.h"
#include "registry/registry.h"
#include "runtime/config.h"
#include "runtime/evidence.h"
#include "runtime/run.h"
#include "smokes/alerting.h"
#include "runtime/text.h"

namespace infra_dod::cli {

namespace {
constexpr const char* kHelp = R"(usage: infra-dod attest ITEM --verdict pass|fail --evidence LINK
                        [--operator NAME] [--environment ENV] [--expires DATE] [--note TEXT]
       infra-dod attest ALERT-ITEM --verdict pass|fail [--run-dir DIR] [...]

Records a manual attestation for a DoD item whose mode is manual (DEV045-NSG,
DEV045-ROLLBACK-PLAN, the ALERT-* checklist). The record is written to
<INFRA_DOD_ATTESTATIONS>/<environment>/<ITEM>.json with the current UTC time; the item's case
passes on it (manual-attested) until it expires. LINK points at the evidence: a ticket, a change
record or a file in the evidence folder.

The Alert/Event checklist rows (ALERT-TRIAGE-READY, ALERT-APPROVAL-TIMEOUT,
ALERT-EXECUTION-FAILED) need proof that the event was sent: without --evidence, the run's own
ADR-0024 send of the row's event type (a passing line in its adr0024-alert-send.jsonl) becomes the
evidence, and the attestation is refused when the run holds none. The table shows which of the
two the attestation rests on.

  --evidence     the link; required for every other manual item
  --run-dir      the run whose evidence holds the send (a run folder: `infra-dod run`'s
                 <out>/run, or <build>/runs/latest); defaults to INFRA_DOD_RUN_DIR
  --operator     defaults to INFRA_DOD_OPERATOR, then $USER
  --environment  defaults to INFRA_DOD_ENVIRONMENT
  --expires      2026-12-31 or 2026-12-31T18:00:00Z
)";

// The run's passing ADR-0024 send of `event_type`: "<file> (run <id>, <utc>)", or why there is none.
Result<std::string> alert_send_evidence(const std::filesystem::path& run_dir, const std::string& event_type) {
  auto run = load_run(run_dir);
  if (!run) return run.error();
  const auto file = run->dir / kAlertSendEvidence;
  std::ifstream in(file);
  if (!in) return Error{ErrorKind::not_found, "run " + run->run_id + " holds no ADR-0024 send (" + file.string() + " is missing)"};
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("step", "") != "verdicts") continue;
    if (j.value("event_type", "") == event_type && j.value("outcome", "") == "pass" && j.value("emitted", false))
      return file.string() + " (run " + run->run_id + ", " + j.value("utc", "") + ")";
  }
  return Error{ErrorKind::not_found, "run " + run->run_id + " holds no passing ADR-0024 send of " + event_type + " (" +
                                         file.string() + ")"};
}
}  // namespace

int cmd_attest(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  auto cfg = load_config("attest");
  if (!cfg) return 2;
  AttestationRecord a;
  a.verdict = take_option(args, "--verdict");
  a.evidence = take_option(args, "--evidence");
  a.operator_name = take_option(args, "--operator");
  a.environment = take_option(args, "--environment");
  a.expires = take_option(args, "--expires");
  a.note = take_option(args, "--note");
  std::string run_dir = take_option(args, "--run-dir");
  if (args.size() != 1) {
    std::fputs("infra-dod attest: name exactly one DoD item (see --help)\n", stderr);
    return 2;
  }
  a.item = args.front();
  if (a.operator_name.empty()) a.operator_name = operator_name(cfg.value());
  if (a.environment.empty()) a.environment = cfg->value("INFRA_DOD_ENVIRONMENT");
  if (auto problem = environment_name_problem(a.environment)) {
    std::fprintf(stderr, "infra-dod attest: %s\n", problem->c_str());
    return 2;
  }
  a.utc = utc_iso(std::chrono::system_clock::now());
  auto reg = Registry::load(Registry::default_path());
  if (!reg) {
    std::fprintf(stderr, "infra-dod attest: %s\n", reg.error().message.c_str());
    return 2;
  }
  const auto* item = reg->find(a.item);
  if (!item) {
    std::fprintf(stderr, "infra-dod attest: %s is not a DoD item in %s\n", a.item.c_str(),
                 Registry::default_path().string().c_str());
    return 2;
  }
  if (item->mode != "manual") {
    std::fprintf(stderr, "infra-dod attest: %s is a %s item; only manual items take an attestation\n",
                 a.item.c_str(), item->mode.c_str());
    return 2;
  }
  if (!item->send_event_type.empty() && a.evidence.empty()) {
    if (const char* env_run = std::getenv("INFRA_DOD_RUN_DIR"); run_dir.empty() && env_run) run_dir = env_run;
    if (run_dir.empty()) {
      std::fprintf(stderr,
                   "infra-dod attest: %s needs proof that %s was sent: give --evidence LINK, or --run-dir DIR of a run "
                   "whose ADR-0024 send of it passed\n",
                   a.item.c_str(), item->send_event_type.c_str());
      return 2;
    }
    auto send = alert_send_evidence(run_dir, item->send_event_type);
    if (!send) {
      std::fprintf(stderr, "infra-dod attest: refused for %s: %s; give --evidence LINK to the proof of the send\n",
                   a.item.c_str(), send.error().message.c_str());
      return 2;
    }
    a.evidence = send.value();
    a.evidence_source = "adr0024-send";
  }
  if (auto problem = attestation_problem(a, a.item, a.environment, std::chrono::system_clock::now())) {
    std::fprintf(stderr, "infra-dod attest: %s\n", problem->c_str());
    return 2;
  }
  const auto file = attestation_path(cfg->value("INFRA_DOD_ATTESTATIONS"), a.environment, a.item);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  // Serialized first (text that is not UTF-8 is replaced, never thrown), written beside the
  // record and renamed over it: a failure leaves the earlier record as it was.
  const std::string text = to_json(a).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    out << text;
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      std::fprintf(stderr, "infra-dod attest: cannot write %s\n", tmp.c_str());
      return 1;
    }
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    std::fprintf(stderr, "infra-dod attest: cannot replace %s\n", file.string().c_str());
    return 1;
  }
  std::printf("attested %s (%s) in %s by %s: %s\nevidence (%s): %s\n", a.item.c_str(), a.verdict.c_str(),
              a.environment.c_str(), a.operator_name.c_str(), file.string().c_str(), a.evidence_source.c_str(),
              a.evidence.c_str());
  return 0;
}

}  // namespace infra_dod::cli
