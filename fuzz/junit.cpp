// The JUnit file ctest writes, which the report reads (through libxml2).
#include "fuzz_input.h"
#include "report/junit.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string xml(infra_dod::fuzz::as_text(data, size));
  (void)infra_dod::parse_ctest_junit(xml, "fuzz.xml");
  return 0;
}
