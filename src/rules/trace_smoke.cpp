#include "rules/trace_smoke.h"
#include "runtime/json_field.h"

namespace infra_dod {

bool ingestion_accepted(long http_code, const nlohmann::json& body, const std::string& event_id, std::string* why) {
  if (http_code == 200 || http_code == 201 || http_code == 202) return true;
  if (http_code != 207) {
    if (why) *why = "ingestion answered HTTP " + std::to_string(http_code);
    return false;
  }
  if (body.is_object())
    if (auto s = body.find("successes"); s != body.end() && s->is_array())
      for (const auto& e : *s)
        if (e.is_object() && field(e, "id", "") == event_id) return true;
  if (why) {
    *why = "207 without event " + event_id + " among the successes";
    if (body.is_object())
      if (auto errors = body.find("errors"); errors != body.end() && errors->is_array() && !errors->empty())
        *why += ": " + errors->front().dump();
  }
  return false;
}

Judgement judge_trace_persistence(const nlohmann::json& line) {
  Judgement j;
  auto code = [&](const char* k) { return line.contains(k) && line[k].is_number() ? line[k].get<long>() : 0L; };
  const std::string trace = field(line, "trace_id", "");
  j.findings.push_back({"smoke reached stage complete", field(line, "stage", "") == "complete", "stage complete",
                        "stage " + field(line, "stage", "?") + (line.contains("error") ? " (" + field(line, "error", "") + ")" : ""),
                        trace});
  j.findings.push_back({"trace ingested", field(line, "ingest_accepted", false),
                        "ingest_http_code 200, 201 or 202 (or 207 with the event accepted)",
                        "ingest_http_code " + std::to_string(code("ingest_http_code")), trace});
  j.findings.push_back({"trace readable before restart", code("fetch_before_http_code") == 200, "fetch_before_http_code 200",
                        "fetch_before_http_code " + std::to_string(code("fetch_before_http_code")), trace});
  j.findings.push_back({"trace readable after restart", code("fetch_after_http_code") == 200, "fetch_after_http_code 200",
                        "fetch_after_http_code " + std::to_string(code("fetch_after_http_code")), trace});
  j.findings.push_back({"result pass", field(line, "result", "") == "pass", "result pass", "result " + field(line, "result", "?"), trace});
  return j.conclude();
}

}  // namespace infra_dod
