// A result record a DoD case wrote, read back by the report.
#include "fuzz_input.h"
#include "runtime/case_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto j = nlohmann::json::parse(infra_dod::fuzz::as_text(data, size), nullptr, false);
  if (j.is_discarded()) return 0;
  const auto record = infra_dod::case_record_from_json(j, "fuzz.json");
  if (record) (void)infra_dod::to_json(*record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
