// The text helpers that meet outside input: a page body's summary, Retry-After, ARM ids, image
// references, addresses, ISO times, base64 and the failure-text cleanup.
#include <chrono>

#include "fuzz_input.h"
#include "rules/addresses.h"
#include "rules/arm_id.h"
#include "rules/kube_rules.h"
#include "rules/ui_smoke.h"
#include "runtime/http.h"
#include "runtime/text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace infra_dod;
  const auto in = fuzz::as_text(data, size);
  const std::string text(in);
  const auto summary = sanitized_summary(text);
  if (summary.size() > 4 * 160 + 16) __builtin_trap();  // bounded whatever the body
  (void)HttpClient::parse_retry_after(text, std::chrono::system_clock::now());
  (void)parse_arm_id(in);
  (void)parse_image_reference(in);
  (void)classify_address(in);
  (void)parse_utc(text);
  if (const auto decoded = base64_decode(in)) (void)base64_encode(*decoded);
  (void)drop_source_location(in);
  const auto cut = truncate_utf8(in, size / 2);
  if (cut.size() > size / 2 + 3) __builtin_trap();
  (void)split_list(in);
  return 0;
}
