#include "rules/artifact_parity.h"

#include <algorithm>
#include <set>

#include "runtime/text.h"

namespace infra_dod {

namespace {

std::string shown(const nlohmann::json& v) {
  return truncate_utf8(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 80);
}

}  // namespace

std::vector<std::string> differing_fields(const nlohmann::json& a, const nlohmann::json& b) {
  std::set<std::string> keys;
  if (a.is_object())
    for (const auto& [k, v] : a.items()) keys.insert(k);
  if (b.is_object())
    for (const auto& [k, v] : b.items()) keys.insert(k);
  std::vector<std::string> out;
  for (const auto& k : keys) {
    const bool in_a = a.is_object() && a.contains(k);
    const bool in_b = b.is_object() && b.contains(k);
    if (!in_a || !in_b || a[k] != b[k]) out.push_back(k);
  }
  return out;
}

std::optional<std::string> json_lines_problem(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t number = 0;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = text.find('\n', at);
    ++number;
    const std::string line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (!line.empty()) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) return "line " + std::to_string(number) + " is not a JSON object";
    }
    if (end == std::string::npos) return "line " + std::to_string(number) + " has no final newline";
    at = end + 1;
  }
  return std::nullopt;
}

ArtifactParity check_artifact_parity(std::size_t before, const std::vector<std::string>& after,
                                     const std::vector<nlohmann::json>& printed,
                                     const std::vector<std::string>& echoed) {
  ArtifactParity out;
  const std::size_t want = before + printed.size();
  const std::size_t appended = after.size() >= before ? after.size() - before : 0;
  out.findings.push_back({"artifact appended one line per printed line", after.size() == want,
                          std::to_string(want) + " lines (" + std::to_string(before) + " before, " +
                              std::to_string(printed.size()) + " appended)",
                          std::to_string(after.size()) + " lines", ""});

  // The newest lines, aligned from the end with what was printed.
  std::vector<std::string> problems;
  bool latest_matches = false;
  nlohmann::json latest = nlohmann::json::object();
  for (std::size_t i = 0; i < printed.size(); ++i) {
    const std::size_t from_end = printed.size() - i;
    const bool is_latest = i + 1 == printed.size();
    if (after.size() < from_end) {
      problems.push_back("line for printed line " + std::to_string(i + 1) + " is missing");
      continue;
    }
    const std::size_t number = after.size() - from_end + 1;
    const auto line = nlohmann::json::parse(after[number - 1], nullptr, false);
    if (line.is_discarded() || !line.is_object()) {
      problems.push_back("line " + std::to_string(number) + " is not a JSON object");
      continue;
    }
    if (is_latest) latest = line;
    const auto fields = differing_fields(line, printed[i]);
    if (fields.empty()) {
      latest_matches = latest_matches || is_latest;
      continue;
    }
    std::string what = "line " + std::to_string(number) + ":";
    for (const auto& f : fields)
      what += " " + f + " (artifact " + (line.contains(f) ? shown(line[f]) : "absent") + ", stdout " +
              (printed[i].contains(f) ? shown(printed[i][f]) : "absent") + ")";
    problems.push_back(what);
    if (is_latest) out.record["differing_fields"] = fields;
  }
  std::string found = problems.empty() ? "every field equal" : "";
  for (const auto& p : problems) found += (found.empty() ? "" : "; ") + p;
  out.findings.push_back({printed.size() > 1 ? "artifact lines match stdout" : "artifact latest line matches stdout",
                          problems.empty(), "every field equal to the printed line", found, ""});

  out.record["artifact_line_count_before"] = before;
  out.record["artifact_line_count"] = after.size();
  out.record["appended_lines"] = appended;
  out.record["expected_appended_lines"] = printed.size();
  out.record["latest_line_matches_rerun_stdout"] = latest_matches;
  if (printed.size() > 1) out.record["appended_lines_match_stdout"] = problems.empty();
  for (const auto& f : echoed) out.record["latest_" + f] = latest.contains(f) ? latest[f] : nlohmann::json();
  const bool ok = std::all_of(out.findings.begin(), out.findings.end(), [](const Finding& f) { return f.ok; });
  out.record["result"] = ok ? "pass" : "fail";
  if (!problems.empty()) out.record["mismatch"] = found;
  return out;
}

Judgement with_parity(Judgement j, const ArtifactParity& parity) {
  if (j.outcome == Outcome::error) return j;
  j.findings.insert(j.findings.end(), parity.findings.begin(), parity.findings.end());
  j.conclude();
  return j;
}

}  // namespace infra_dod
