// The operator's env file: parse_env_file answers entries or an error naming the line, for any
// bytes, and never a value outside what the file holds.
#include "fuzz_input.h"
#include "runtime/env_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = infra_dod::fuzz::as_text(data, size);
  const auto entries = infra_dod::parse_env_file(text, "fuzz.env");
  if (entries) {
    for (const auto& e : *entries)
      if (e.name.empty() || e.line <= 0) __builtin_trap();
  }
  return 0;
}
