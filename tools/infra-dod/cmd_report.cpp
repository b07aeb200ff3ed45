#include <algorithm>
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
                        [--evidence-base-url URL] [--selection TEXT]
                        [--registry dod.json] [--quiet]

Joins ctest's JUnit file(s), the run's result records and labels/dod.json into the runbook's
DoD table: the 14 DoD rows in the runbook's order and words, then the Phase 3 sections.
Statuses: pass, fail, error (could not run: auth, timeout, unreachable, bad config, crash),
skipped (with the gate's reason), manual-pending, manual-attested, not-run.

  --junit       a ctest --output-junit file; repeat for several runs (a later file wins)
  --run-dir     the run's folder (run.json, results/): default $INFRA_DOD_RUN_DIR, else the
                latest run on the build tree (<build>/runs/latest)
  --md, --json  where to write the table; with no --md the Markdown goes to stdout only
  --evidence-base-url  evidence cells become links under URL (where the evidence folder is
                published) instead of paths relative to the evidence folder
  --selection   what the run selected, for the header (default: the modes of the cases it ran)
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
std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

// The table's header: who ran what, where, when, with which harness. The inventory snapshot's
// context names the tenant, subscription, identity and cluster; an absent one leaves "-".
std::vector<std::pair<std::string, std::string>> header_of(const Report& rep, const Config& cfg,
                                                             const std::string& started_utc, const std::string& selection,
                                                             bool reproducible) {
  nlohmann::json ctx = nlohmann::json::object();
  fs::path inventory = cfg.value("INFRA_DOD_INVENTORY");
  if (inventory.empty() && !rep.evidence_dir.empty()) inventory = fs::path(rep.evidence_dir) / "inventory.json";
  if (std::ifstream in(inventory); in) {
    const auto snap = nlohmann::json::parse(in, nullptr, false);
    if (snap.is_object() && snap.contains("context") && snap["context"].is_object()) ctx = snap["context"];
  }
  const auto text = [&](std::initializer_list<const char*> path) {
    const nlohmann::json* v = &ctx;
    for (const char* k : path) {
      if (!v->is_object() || !v->contains(k)) return std::string();
      v = &(*v)[k];
    }
    return v->is_string() ? v->get<std::string>() : std::string();
  };
  std::string identity = text({"identity", "name"});
  if (!text({"identity", "type"}).empty()) identity += " (" + text({"identity", "type"}) + ")";
  if (!text({"identity_claims", "oid"}).empty()) identity += ", object id " + text({"identity_claims", "oid"});
  std::string modes;
  if (selection.empty()) {
    std::vector<std::string> seen;
    for (const auto& r : rep.rows)
      for (const auto& t : r.tests)
        if (t.selected && std::find(seen.begin(), seen.end(), r.item->mode) == seen.end()) seen.push_back(r.item->mode);
    for (const auto& m : seen) modes += (modes.empty() ? "" : ", ") + m;
  }
  return {{"Environment", or_dash(rep.environment)},
          {"Tenant", or_dash(text({"tenant"}))},
          {"Subscription", or_dash(text({"subscription"}))},
          {"Identity", or_dash(identity)},
          {"Kube context", or_dash(text({"kube", "context"}))},
          {"API server", or_dash(text({"kube", "server"}))},
          {"Operator", or_dash(operator_name(cfg))},
          {"Started (UTC)", or_dash(started_utc)},
          {"Ended (UTC)", or_dash(rep.generated_utc)},
          {"Run id", or_dash(rep.run_id)},
          // A reproducible table (SOURCE_DATE_EPOCH) leaves out the build's revision.
          {"Harness", std::string("infra-dod ") + INFRA_DOD_VERSION +
                          (reproducible ? std::string() : std::string(" (") + INFRA_DOD_GIT_REVISION + ")")},
          {"Selection", or_dash(selection.empty() ? modes : selection)}};
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
  std::string started_utc;
  if (!opt.run_dir.empty()) {
    inputs.results_dir = opt.run_dir / "results";
    auto run = load_run(opt.run_dir);
    if (run) {
      inputs.run_id = run->run_id;
      inputs.evidence_dir = run->dir.string();
      started_utc = run->started_utc;
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
  Report report = rep.value();
  const bool reproducible = cfg.environ().count("SOURCE_DATE_EPOCH") && !cfg.environ().at("SOURCE_DATE_EPOCH").empty();
  report.header = header_of(report, cfg, started_utc, opt.selection, reproducible);
  report.evidence_base_url = opt.evidence_base_url;
  while (!report.evidence_base_url.empty() && report.evidence_base_url.back() == '/') report.evidence_base_url.pop_back();
  const std::string md = render_markdown(report, reg.value());
  const std::string js = render_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::string junit = opt.junit_out.empty() ? std::string() : render_junit(report, reg.value());
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
  const auto lines = report.console_lines();
  for (const auto& l : lines) printed += SecretRegistry::process().mask(l) + "\n";
  if (!lines.empty()) printed += "\n";
  printed += md;

  const auto blocking = report.blocking();
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
  opt.selection = take_option(args, "--selection");
  opt.evidence_base_url = take_option(args, "--evidence-base-url");
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
