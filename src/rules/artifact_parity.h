#pragma once
// The runbook's append/parity check of a smoke's artifact file ("artifact_line_count:2,
// latest_line_matches_rerun_stdout:True, latest_http_code:200"): a run appends exactly the lines
// it printed, one per line printed, and the file's newest lines equal them field for field.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rules/judgement.h"

namespace infra_dod {

struct ArtifactParity {
  nlohmann::json record;          // the evidence record, in the runbook's field names
  std::vector<Finding> findings;  // the append check and the parity check
};

// `before`: the file's line count before the run; `after`: its lines after it; `printed`: the
// lines the run printed, in order; `echoed`: the fields the record repeats from the newest line
// as latest_<field> (the UI smoke's http_code, the trace smoke's codes).
ArtifactParity check_artifact_parity(std::size_t before, const std::vector<std::string>& after,
                                     const std::vector<nlohmann::json>& printed,
                                     const std::vector<std::string>& echoed);

// The names of the fields two JSON objects do not share with equal values, sorted.
std::vector<std::string> differing_fields(const nlohmann::json& a, const nlohmann::json& b);

// Why a JSON-lines text cannot be appended to without damage: a line that is not a JSON object
// (named by its number), or a last line without its newline (the next line would join it).
std::optional<std::string> json_lines_problem(const std::string& text);

// The smoke's judgement with the parity findings added; an error stays an error.
Judgement with_parity(Judgement j, const ArtifactParity& parity);

}  // namespace infra_dod
