#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "registry/registry.h"
#include "report/report.h"
#include "rules/guardrail.h"
#include "runtime/config.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

namespace infra_dod::cli {

namespace fs = std::filesystem;

namespace {
constexpr const char* kHelp = R"(usage: infra-dod report --junit FILE [--junit FILE...] [--gtest-xml DIR] [--run-file FILE]
                        [--md OUT.md] [--json OUT.json] [--registry dod.json] [--quiet]

Joins ctest's JUnit file(s), the per-case gtest XML and labels/dod.json into the runbook's DoD
table: the 14 DoD rows in the runbook's order and words, then the Phase 3 sections. Statuses:
pass, fail, error (could not run: auth, timeout, unreachable, bad config), skipped (with the
gate's reason), manual-pending, manual-attested, not-run.

  --junit       a ctest --output-junit file; repeat for several runs (a later file wins)
  --gtest-xml   the per-case gtest XML folder (<build>/gtest-xml)
  --run-file    the run record (<build>/dod-run.json): run id and evidence folder
  --md, --json  where to write the table; with no --md the Markdown goes to stdout only
  --quiet       print neither the checks nor the table

Before the table it prints the runbook's console lines, one `PASS: <check>` or
`FAIL: <check>: <reason>` per required check, read back from the cases' output in the JUnit
file (ctest keeps a passing case's output to itself).

After writing, the JUnit files and the table are scanned for registered secrets and raw
token/cookie markers (GUARDRAIL-SECRETS).
Exit: 0 ok; 1 a release-blocking row is fail or error; 2 bad input; 3 a secret leaked.
)";

// The runbook's PASS:/FAIL: lines from every case's output, in JUnit order.
std::vector<std::string> console_lines(const std::vector<fs::path>& junit_files) {
  std::vector<std::string> out;
  for (const auto& f : junit_files) {
    auto cases = read_ctest_junit(f);
    if (!cases) continue;
    for (const auto& c : cases.value()) {
      std::istringstream lines(c.output);
      std::string line;
      while (std::getline(lines, line))
        if (starts_with(line, "PASS: ") || starts_with(line, "FAIL: ")) out.push_back(line);
    }
  }
  return out;
}

bool write_text(const fs::path& file, const std::string& text) {
  std::error_code ec;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int cmd_report(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  ReportInputs inputs;
  for (const auto& j : take_all(args, "--junit")) inputs.junit_files.emplace_back(j);
  inputs.gtest_xml_dir = take_option(args, "--gtest-xml");
  const std::string run_file = take_option(args, "--run-file");
  const std::string md_out = take_option(args, "--md");
  const std::string json_out = take_option(args, "--json");
  std::string registry_file = take_option(args, "--registry");
  const bool quiet = take_flag(args, "--quiet");
  if (reject_leftovers("report", args)) return 2;
  if (inputs.junit_files.empty()) {
    std::fputs("infra-dod report: at least one --junit FILE is required (ctest --output-junit)\n", stderr);
    return 2;
  }
  auto cfg = load_config("report");
  if (!cfg) return 2;
  auto reg = Registry::load(registry_file.empty() ? Registry::default_path() : fs::path(registry_file));
  if (!reg) {
    std::fprintf(stderr, "infra-dod report: %s\n", reg.error().message.c_str());
    return 2;
  }
  inputs.environment = cfg->value("INFRA_DOD_ENVIRONMENT");
  // SOURCE_DATE_EPOCH pins the stamp for reproducible tables (tests, re-rendered evidence).
  auto generated = std::chrono::system_clock::now();
  if (auto it = cfg->environ().find("SOURCE_DATE_EPOCH"); it != cfg->environ().end() && !it->second.empty())
    generated = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(std::stoll(it->second)));
  inputs.generated_utc = utc_iso(generated);
  std::vector<SecretFingerprint> fingerprints;
  if (!run_file.empty()) {
    std::ifstream rf(run_file);
    const auto j = nlohmann::json::parse(rf, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
      inputs.run_id = j.value("run_id", "");
      inputs.evidence_dir = j.value("dir", "");
      fingerprints = SecretRegistry::load_fingerprints(fs::path(inputs.evidence_dir) / "secret-fingerprints.jsonl");
    } else {
      std::fprintf(stderr, "infra-dod report: warning: %s is not a run record; no run id in the table\n",
                   run_file.c_str());
    }
  }
  auto rep = build_report(reg.value(), inputs);
  if (!rep) {
    std::fprintf(stderr, "infra-dod report: %s\n", rep.error().message.c_str());
    return 2;
  }
  const std::string md = render_markdown(rep.value(), reg.value());
  const std::string js = render_json(rep.value()).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // The table is scanned before it is written: a leak must not land next to the attachments.
  // The JUnit files are inputs and are scanned where they are.
  auto leaks = scan_for_leaks(std::vector<fs::path>(inputs.junit_files.begin(), inputs.junit_files.end()), fingerprints);
  for (auto& l : scan_text_for_leaks(md, md_out.empty() ? "<table>" : md_out, fingerprints)) leaks.push_back(l);
  for (auto& l : scan_text_for_leaks(js, json_out.empty() ? "<json>" : json_out, fingerprints)) leaks.push_back(l);
  if (SecretRegistry::process().contains_registered(md) || SecretRegistry::process().contains_registered(js))
    leaks.push_back({"<table>", 0, "a secret this process registered"});
  for (const auto& l : leaks)
    std::fprintf(stderr, "FAIL: no secret in evidence: %s:%zu: %s\n", l.file.string().c_str(), l.line, l.what.c_str());
  if (!leaks.empty()) {
    std::fprintf(stderr, "infra-dod report: nothing written; fix the leak first\n");
    return 3;
  }
  if (!md_out.empty() && !write_text(md_out, md)) {
    std::fprintf(stderr, "infra-dod report: cannot write %s\n", md_out.c_str());
    return 2;
  }
  if (!json_out.empty() && !write_text(json_out, js)) {
    std::fprintf(stderr, "infra-dod report: cannot write %s\n", json_out.c_str());
    return 2;
  }
  if (!quiet) {
    const auto lines = console_lines(inputs.junit_files);
    for (const auto& l : lines) std::printf("%s\n", SecretRegistry::process().mask(l).c_str());
    if (!lines.empty()) std::printf("\n");
    std::fputs(md.c_str(), stdout);
  }

  const auto blocking = rep->blocking();
  if (!blocking.empty()) {
    std::fprintf(stderr, "infra-dod report: %zu release-blocking row(s) failed or errored:", blocking.size());
    for (const auto& b : blocking) std::fprintf(stderr, " %s", b.c_str());
    std::fputc('\n', stderr);
    return 1;
  }
  return 0;
}

}  // namespace infra_dod::cli
