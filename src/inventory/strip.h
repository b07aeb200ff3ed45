#pragma once
// What never reaches an inventory snapshot from kubectl's output: pod templates may carry
// literal credentials (env values such as DATABASE_URL), the last-applied annotation repeats the
// whole manifest, and a Secret's data is a secret. No rule reads any of them.
#include <nlohmann/json.hpp>

namespace infra_dod {

// Masks every env value of every pod template, drops the last-applied annotation and a Secret's
// data, in one object or in each item of a kubectl List.
void strip_secret_material(nlohmann::json& kubectl_output);

}  // namespace infra_dod
