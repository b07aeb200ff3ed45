#include "rules/pytest_output.h"

#include <algorithm>

#include "rules/snapshot_reader.h"
#include "runtime/text.h"

namespace infra_dod {
using nlohmann::json;

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    at = end + 1;
  }
  return out;
}

// "==== title ====" -> "title"; nothing when the line is not a pytest banner.
std::optional<std::string> banner(std::string_view line) {
  if (line.size() < 3 || line.substr(0, 3) != "===") return std::nullopt;
  const auto first = line.find_first_not_of('=');
  const auto last = line.find_last_not_of('=');
  if (first == std::string_view::npos) return std::string();
  return trim(line.substr(first, last - first + 1));
}

PytestSummaryLine summary_line(std::string_view line) {
  PytestSummaryLine s;
  const auto space = line.find(' ');
  s.outcome = std::string(line.substr(0, space));
  std::string rest = space == std::string_view::npos ? "" : trim(line.substr(space + 1));
  if (s.outcome == "SKIPPED" || s.outcome == "XFAIL") {
    // SKIPPED [1] path:line: reason
    if (starts_with(rest, "[")) rest = trim(rest.substr(std::min(rest.size(), rest.find(']') + 1)));
    const auto colon = rest.find(": ");
    s.subject = rest.substr(0, colon);
    if (colon != std::string::npos) s.reason = rest.substr(colon + 2);
    if (s.outcome == "XFAIL" && colon == std::string::npos) {
      const auto dash = rest.find(" - ");
      s.subject = rest.substr(0, dash);
      if (dash != std::string::npos) s.reason = rest.substr(dash + 3);
    }
    return s;
  }
  const auto dash = rest.find(" - ");
  s.subject = rest.substr(0, dash);
  if (dash != std::string::npos) s.reason = rest.substr(dash + 3);
  return s;
}

bool is_outcome(std::string_view word) {
  for (const char* o : {"PASSED", "FAILED", "SKIPPED", "ERROR", "XFAIL", "XPASS"})
    if (word == o) return true;
  return false;
}

std::string quoted(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const auto& s : v) q.push_back("'" + s + "'");
  return rules::join(q);
}

bool same_path(const std::string& found, const std::string& wanted) {
  if (found == wanted) return true;
  // The smoke may print the absolute form of a checkout-relative path.
  return !wanted.empty() && wanted.front() != '/' && found.size() > wanted.size() &&
         found.compare(found.size() - wanted.size(), wanted.size(), wanted) == 0 &&
         found[found.size() - wanted.size() - 1] == '/';
}

std::string describe(const PytestRun& r) {
  if (!r.ran) return r.problem;
  std::string s = "pytest exit " + std::to_string(r.exit_code);
  if (!r.output.totals.empty()) s += " (" + r.output.totals + ")";
  for (const auto& l : r.output.summary)
    if (l.outcome != "PASSED") s += "; " + l.outcome + " " + l.subject + (l.reason.empty() ? "" : ": " + l.reason);
  if (!r.problem.empty()) s += "; " + r.problem;
  return s;
}

// A mode that must run the smoke: pytest passes it and it printed exactly one input path.
Finding ran_with_input(const std::string& check, const std::optional<PytestRun>& run, const std::string& wanted) {
  Finding f{check, false, "pytest passes the smoke and its JSON line's runtime_input_path is " + wanted, "", ""};
  if (!run) {
    f.found = "not run";
    return f;
  }
  const auto paths = runtime_input_paths(run->output);
  const bool passed = run->ran && run->exit_code == 0 && run->output.count("PASSED") > 0 &&
                      run->output.count("FAILED") == 0 && run->output.count("ERROR") == 0;
  f.ok = passed && paths.size() == 1 && same_path(paths.front(), wanted);
  f.found = describe(*run) + "; runtime_input_path " + (paths.empty() ? std::string("not printed") : quoted(paths));
  return f;
}

}  // namespace

int PytestOutput::count(std::string_view outcome) const {
  return static_cast<int>(std::count_if(summary.begin(), summary.end(),
                                        [&](const PytestSummaryLine& l) { return l.outcome == outcome; }));
}

PytestOutput parse_pytest_output(std::string_view text) {
  PytestOutput out;
  bool in_summary = false;
  for (const auto line : lines_of(text)) {
    if (const auto title = banner(line)) {
      in_summary = *title == "short test summary info";
      if (!title->empty() && !in_summary) out.totals = *title;
      continue;
    }
    if (in_summary) {
      const auto word = line.substr(0, line.find(' '));
      if (is_outcome(word)) out.summary.push_back(summary_line(line));
      continue;
    }
    // With -s a print lands after pytest's "path " progress prefix on the same line.
    const auto brace = line.find('{');
    if (brace == std::string_view::npos) continue;
    const auto j = json::parse(line.substr(brace), nullptr, false);
    if (!j.is_discarded() && j.is_object()) out.json_lines.push_back(j);
  }
  return out;
}

std::vector<std::string> runtime_input_paths(const PytestOutput& o) {
  std::vector<std::string> out;
  for (const auto& j : o.json_lines)
    if (j.contains("runtime_input_path")) out.push_back(j["runtime_input_path"].is_string()
                                                            ? j["runtime_input_path"].get<std::string>()
                                                            : j["runtime_input_path"].dump());
  return out;
}

Judgement judge_fingerprint_policy(const FingerprintObservation& o) {
  Judgement j;
  if (o.default_mode || o.override_mode) {
    j.findings.push_back(ran_with_input("default fixture mode", o.default_mode, o.expected_default_path));
    j.findings.push_back(ran_with_input("override mode", o.override_mode, o.override_path));
  }
  Finding gate{"gate mode", false,
               "without RUN_DEV012_FINGERPRINT_SMOKE=1, pytest reports the smoke SKIPPED with a reason in the -rA "
               "summary and prints no runtime_input_path",
               "", ""};
  const auto& g = o.gate_mode;
  const auto skipped = std::find_if(g.output.summary.begin(), g.output.summary.end(),
                                    [](const PytestSummaryLine& l) { return l.outcome == "SKIPPED"; });
  gate.ok = g.ran && g.exit_code == 0 && skipped != g.output.summary.end() && !skipped->reason.empty() &&
            g.output.count("PASSED") == 0 && g.output.count("FAILED") == 0 && g.output.count("ERROR") == 0 &&
            runtime_input_paths(g.output).empty();
  gate.found = describe(g);
  if (skipped != g.output.summary.end()) gate.found += "; skip reason: " + skipped->reason;
  if (g.output.count("PASSED") > 0) gate.found += "; the smoke ran although the gate was closed";
  if (!runtime_input_paths(g.output).empty()) gate.found += "; it printed runtime_input_path";
  j.findings.push_back(std::move(gate));
  return j.conclude();
}

}  // namespace infra_dod
