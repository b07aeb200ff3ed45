// What the harness reads from other programs' output: az's JSON, kubectl's errors and
// port-forward lines, the probes' result lines, pytest's summary, a JSON-lines artifact.
#include "clients/cli_json.h"
#include "clients/kube.h"
#include "clients/port_forward.h"
#include "fuzz_input.h"
#include "rules/artifact_parity.h"
#include "rules/databricks_rules.h"
#include "rules/kube_rules.h"
#include "rules/private_path.h"
#include "rules/pytest_output.h"
#include "rules/secret_contract.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace infra_dod;
  const auto [first, rest] = fuzz::split_by_first_byte(fuzz::as_text(data, size));
  ProcessResult r;
  r.started = true;
  r.exit_code = size % 3 == 0 ? 0 : 1;
  r.out = std::string(first);
  r.err = std::string(rest);
  (void)json_from_cli(r);
  (void)last_error_line(r);
  (void)classify_kubectl_failure(r);
  const std::string text(fuzz::as_text(data, size));
  (void)forwarding_port(text);
  (void)undo_was_skipped(text);
  (void)probe_result_in_logs(text);
  (void)probe_result_line(text, "postgres");
  (void)parse_driver_line(text);
  (void)json_lines_problem(text);
  const auto pytest = parse_pytest_output(text);
  (void)pytest;
  return 0;
}
