// The secret mask as a property: after a value is registered, masking any text leaves no
// occurrence of it, plain or in the encoded forms the registry promises to mask.
#include "fuzz_input.h"
#include "runtime/secrets.h"
#include "runtime/text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace infra_dod;
  const auto [secret, text] = fuzz::split_by_first_byte(fuzz::as_text(data, size));
  // The mask itself is made of '*'; a value containing it could reappear from the mask.
  if (secret.empty() || secret.find('*') != std::string_view::npos) return 0;
  SecretRegistry registry;
  registry.add(secret, "FUZZ_SECRET");
  const std::string masked = registry.mask(text);
  if (masked.find(secret) != std::string::npos) __builtin_trap();
  const std::string planted = std::string(text) + std::string(secret) + std::string(text);
  const std::string masked_planted = registry.mask(planted);
  if (masked_planted.find(secret) != std::string::npos) __builtin_trap();
  if (registry.contains_registered(masked_planted)) __builtin_trap();
  return 0;
}
