#include <cstdio>
#include <fstream>

#include "commands.h"
#include "registry/registry.h"
#include "report/report.h"
#include "runtime/evidence.h"
#include "runtime/leak_scan.h"
#include "runtime/config.h"
#include "runtime/run.h"
#include "sandbox_control.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod::cli {

namespace fs = std::filesystem;

namespace {
constexpr const char* kHelp = R"(usage: infra-dod report --junit FILE [--junit FILE...] [--run-dir DIR]
                        [--md OUT.md] [--json OUT.json] [--junit-out OUT.xml]
                        [--registry dod.json] [--quiet]

Joins ctest's JUnit file(s), the run's result records and labels/dod.json into the runbook's
DoD table: the 14 DoD rows in the runbook's order and words, then the Phase 3 sections.
Statuses: pass, fail, error (could not run: auth, timeout, unreachable, bad config, crash),
skipped (with the gate's reason), manual-pending, manual-attested, not-run.

  --junit       a ctest --output-junit file; repeat for several runs (a later file wins)
  --run-dir     the run's folder (run.json, results/): default $INFRA_DOD_RUN_DIR, else the
                latest run on the build tree (<build>/runs/latest)
  --md, --json  where to write the table; with no --md the Markdown goes to stdout only
  --junit-out   JUnit for CI servers (Jenkins xunit's junit-10.xsd, which Azure Pipelines'
                PublishTestResults, GitHub and GitLab read): one testsuite per DoD case, its DoD
                rows, tickets and labels as properties, skip reasons in <skipped message>
  --quiet       print neither the checks nor the table

Before the table it prints the runbook's console lines, one `PASS: <check>` or
`FAIL: <check>: <reason>` per required check, from the cases' result records.

After writing, the JUnit files and the table are scanned for registered secrets and raw
token/cookie markers (GUARDRAIL-SECRETS).
Exit: 0 ok; 1 a release-blocking row is fail or error, or was selected and has no verdict (its
case is not implemented); 2 bad input; 3 a secret leaked.
)";

bool write_text(const fs::path& file, const std::string& text) {
  std::error_code ec;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}
}  // namespace

int write_report(const ReportOptions& opt, const Config& cfg, std::string& printed) {
  auto reg = Registry::load(opt.registry.empty() ? Registry::default_path() : opt.registry);
  if (!reg) {
    std::fprintf(stderr, "infra-dod report: %s\n", reg.error().message.c_str());
    return 2;
  }
  ReportInputs inputs;
  inputs.junit_files = opt.junit_files;
  inputs.environment = cfg.value("INFRA_DOD_ENVIRONMENT");
  // SOURCE_DATE_EPOCH pins the stamp for reproducible tables (tests, re-rendered evidence).
  auto generated = std::chrono::system_clock::now();
  if (auto it = cfg.environ().find("SOURCE_DATE_EPOCH"); it != cfg.environ().end() && !it->second.empty())
    generated = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(std::stoll(it->second)));
  inputs.generated_utc = utc_iso(generated);
  std::vector<SecretFingerprint> fingerprints;
  if (!opt.run_dir.empty()) {
    inputs.results_dir = opt.run_dir / "results";
    auto run = load_run(opt.run_dir);
    if (run) {
      inputs.run_id = run->run_id;
      inputs.evidence_dir = run->dir.string();
      fingerprints = SecretRegistry::load_fingerprints(fingerprint_file(run.value()));
    } else {
      std::fprintf(stderr, "infra-dod report: warning: %s; no run id in the table\n", run.error().message.c_str());
    }
  }
  auto rep = build_report(reg.value(), inputs);
  if (!rep) {
    std::fprintf(stderr, "infra-dod report: %s\n", rep.error().message.c_str());
    return 2;
  }
  const std::string md = render_markdown(rep.value(), reg.value());
  const std::string js = render_json(rep.value()).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::string junit = opt.junit_out.empty() ? std::string() : render_junit(rep.value(), reg.value());
  // The table is scanned before it is written: a leak must not land next to the attachments.
  // The JUnit files are inputs and are scanned where they are.
  auto leaks = scan_for_leaks(std::vector<fs::path>(inputs.junit_files.begin(), inputs.junit_files.end()), fingerprints);
  for (auto& l : scan_text_for_leaks(md, opt.md_out.empty() ? "<table>" : opt.md_out.string(), fingerprints)) leaks.push_back(l);
  for (auto& l : scan_text_for_leaks(js, opt.json_out.empty() ? "<json>" : opt.json_out.string(), fingerprints)) leaks.push_back(l);
  if (!junit.empty())
    for (auto& l : scan_text_for_leaks(junit, opt.junit_out.string(), fingerprints)) leaks.push_back(l);
  if (SecretRegistry::process().contains_registered(md) || SecretRegistry::process().contains_registered(js) ||
      SecretRegistry::process().contains_registered(junit))
    leaks.push_back({"<table>", 0, "a secret this process registered", "", true});
  for (const auto& l : leaks)
    std::fprintf(stderr, "FAIL: no secret in evidence: %s:%zu: %s\n", l.file.string().c_str(), l.line, l.what.c_str());
  if (!leaks.empty()) {
    std::fprintf(stderr, "infra-dod report: nothing written; fix the leak first\n");
    return 3;
  }
  if (!opt.md_out.empty() && !write_text(opt.md_out, md)) {
    std::fprintf(stderr, "infra-dod report: cannot write %s\n", opt.md_out.string().c_str());
    return 2;
  }
  if (!opt.json_out.empty() && !write_text(opt.json_out, js)) {
    std::fprintf(stderr, "infra-dod report: cannot write %s\n", opt.json_out.string().c_str());
    return 2;
  }
  if (!opt.junit_out.empty() && !write_text(opt.junit_out, junit)) {
    std::fprintf(stderr, "infra-dod report: cannot write %s\n", opt.junit_out.string().c_str());
    return 2;
  }
  const auto lines = rep->console_lines();
  for (const auto& l : lines) printed += SecretRegistry::process().mask(l) + "\n";
  if (!lines.empty()) printed += "\n";
  printed += md;

  const auto blocking = rep->blocking();
  if (!blocking.empty()) {
    std::fprintf(stderr, "infra-dod report: %zu release-blocking row(s) failed, errored or have no verdict:", blocking.size());
    for (const auto& b : blocking) std::fprintf(stderr, " %s", b.c_str());
    std::fputc('\n', stderr);
    return 1;
  }
  return 0;
}

int cmd_report(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  ReportOptions opt;
  for (const auto& j : take_all(args, "--junit")) opt.junit_files.emplace_back(j);
  std::string run_dir = take_option(args, "--run-dir");
  opt.md_out = take_option(args, "--md");
  opt.json_out = take_option(args, "--json");
  opt.junit_out = take_option(args, "--junit-out");
  opt.registry = take_option(args, "--registry");
  const bool quiet = take_flag(args, "--quiet");
  if (reject_leftovers("report", args)) return 2;
  if (opt.junit_files.empty()) {
    std::fputs("infra-dod report: at least one --junit FILE is required (ctest --output-junit)\n", stderr);
    return 2;
  }
  auto cfg = load_config("report");
  if (!cfg) return 2;
  if (run_dir.empty())
    if (auto it = cfg->environ().find("INFRA_DOD_RUN_DIR"); it != cfg->environ().end()) run_dir = it->second;
  if (run_dir.empty() && fs::exists(default_build_dir() / "runs" / "latest"))
    run_dir = fs::canonical(default_build_dir() / "runs" / "latest").string();
  opt.run_dir = run_dir;
  std::string printed;
  const int rc = write_report(opt, cfg.value(), printed);
  if (!quiet) std::fputs(printed.c_str(), stdout);
  return rc;
}

}  // namespace infra_dod::cli
