#pragma once
// What every LangFuse smoke shares: where LangFuse is (LANGFUSE_BASE_URL), HTTP requests with
// the configured timeouts, the printed JSON lines and the optional artifact file, and payload templates from fixtures/.
// A smoke's I/O lives in src/smokes/; it returns a SmokeResult that a suite asserts.
#include <filesystem>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "clients/port_forward.h"
#include "rules/artifact_parity.h"
#include "smokes/smoke_result.h"
#include "runtime/config.h"
#include "runtime/evidence.h"
#include "runtime/http.h"

namespace infra_dod {

// Where a smoke reaches LangFuse: LANGFUSE_BASE_URL (without trailing slashes) when it is set;
// otherwise a `kubectl port-forward svc/LANGFUSE_SERVICE :LANGFUSE_SERVICE_PORT` the harness
// starts, uses and ends with this object (LANGFUSE_PORT_FORWARD_TIMEOUT_S bounds its start).
class LangfuseEndpoint {
 public:
  static Result<LangfuseEndpoint> open(const Config& cfg);
  const std::string& base_url() const { return base_; }
  // For evidence: "LANGFUSE_BASE_URL" or the port-forward's command line and local port.
  nlohmann::json describe() const;
  // A restart replaces the pods, and a forward to one of the old ones dies with it: a forward
  // started anew. Nothing to do for LANGFUSE_BASE_URL.
  Result<bool> reopen();

 private:
  explicit LangfuseEndpoint(const Config& cfg) : cfg_(&cfg) {}
  Result<bool> forward();
  const Config* cfg_;
  std::string base_;
  std::shared_ptr<PortForward> forward_;
  int forwards_started_ = 0;
};
// A request with the configured connect/total timeouts and attempts.
HttpRequest configured_request(const Config& cfg, std::string method, std::string url);
// The smoke's artifact file (LANGFUSE_SMOKE_ARTIFACT_FILE, LANGFUSE_TRACE_SMOKE_ARTIFACT_FILE):
// checked before the run, so a file the harness could only damage is refused before any request;
// appended to, one whole line per printed line, never rewritten; then checked for the append and
// its parity with what the run printed.
class ArtifactFile {
 public:
  // Nothing when `variable` is unset. An error naming the file and the cause when it is not a
  // JSON-lines file, or cannot be appended to: its permission bits deny writing (refused even
  // for root, whom the kernel would let through), or its folder is missing or not writable.
  static Result<std::optional<ArtifactFile>> open(const Config& cfg, const std::string& variable);

  Result<bool> append(const std::string& line) const;
  // The append/parity record and findings, from the file as it is now.
  ArtifactParity check(const std::vector<nlohmann::json>& printed, const std::vector<std::string>& echoed) const;
  const std::filesystem::path& path() const { return path_; }
  const std::string& variable() const { return variable_; }
  std::size_t lines_before() const { return lines_before_; }

 private:
  ArtifactFile(std::string variable, std::filesystem::path path, std::size_t lines)
      : variable_(std::move(variable)), path_(std::move(path)), lines_before_(lines) {}
  std::string variable_;
  std::filesystem::path path_;
  std::size_t lines_before_ = 0;
};

// One of the smoke's JSON lines, as the runbook's script prints it: stamped once and masked, then
// the same text goes to stdout, to the evidence file and to the artifact file (when given).
struct PrintedLine {
  nlohmann::json line;                  // what was printed, parsed back
  std::filesystem::path evidence_file;  // empty when the evidence could not be written
  std::string artifact_error;           // why the artifact append failed, when it did
};
PrintedLine print_smoke_line(const Evidence& ev, const std::string& evidence_name, const std::string& dod_item,
                             const nlohmann::json& fields, const ArtifactFile* artifact);

// After the run: the parity record in evidence (artifact-parity.jsonl) and the judgement with
// its findings added. Without an artifact file, the judgement as it was.
Judgement judge_with_artifact(Judgement j, const ArtifactFile* artifact, const Evidence& ev,
                              const std::string& dod_item, const std::vector<nlohmann::json>& printed,
                              const std::vector<std::string>& echoed, SmokeResult& out);
// fixtures/<name> with every "{{key}}" replaced by its value (values are JSON-escaped), parsed.
Result<nlohmann::json> fill_template(const std::string& name, const std::map<std::string, std::string>& values);

}  // namespace infra_dod
