// An attestation record as an operator (or anyone with write access to the folder) left it.
#include <chrono>

#include "fuzz_input.h"
#include "registry/attestation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = infra_dod::fuzz::as_text(data, size);
  const auto record = infra_dod::parse_attestation(text, "fuzz.json");
  if (record) {
    (void)infra_dod::attestation_problem(*record, "DEV043-ROLLBACK", "dev", std::chrono::system_clock::now());
    (void)infra_dod::to_json(*record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  (void)infra_dod::environment_name_problem(std::string(text));
  return 0;
}
