#include <cstdio>
#include <fstream>

#include "runtime/secrets.h"

#include "commands.h"
#include "inventory/collector.h"
#include "runtime/config.h"
#include "runtime/evidence.h"

namespace infra_dod::cli {

namespace {
constexpr const char* kHelp = R"(usage: infra-dod inventory [--run-dir DIR] [--out FILE]

Collects the inventory snapshot the automatic DoD cases judge: every ARM resource and
Kubernetes object they need, fetched in parallel (INFRA_DOD_PARALLELISM ARM requests and as many
kubectl commands at once), each request under its own deadline and the whole collection under
INFRA_DOD_INVENTORY_DEADLINE_S, with tokens from `az account get-access-token`. Writes inventory.json into
the run's evidence folder (or --out). A request that fails becomes an error entry, so the
snapshot is always written. Secret values are never fetched.

With INFRA_DOD_INVENTORY set, nothing is collected: the cases re-judge that saved snapshot
offline, with no network and no az or kubectl started.
)";
}  // namespace

int cmd_inventory(const Args& in) {
  Args args = in;
  if (take_flag(args, "--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  const std::string run_dir = take_option(args, "--run-dir");
  const std::string out = take_option(args, "--out");
  if (reject_leftovers("inventory", args)) return 2;
  Environ env = process_environ();
  if (!run_dir.empty()) env["INFRA_DOD_RUN_DIR"] = run_dir;
  auto cfg = load_config("inventory", env);
  if (!cfg) return 2;
  if (auto saved = cfg->get("INFRA_DOD_INVENTORY")) {
    std::printf("re-judging the saved snapshot %s: nothing collected\n", saved->c_str());
    return 0;
  }
  auto ev = Evidence::for_current_run(cfg.value());
  if (!ev) {
    std::fprintf(stderr, "infra-dod inventory: %s\n", ev.error().message.c_str());
    return 2;
  }
  const auto started = std::chrono::steady_clock::now();
  std::printf("collecting the inventory (%ld ARM requests and %ld kubectl commands at once, %ld s at most)\n",
              cfg->integer("INFRA_DOD_PARALLELISM"), cfg->integer("INFRA_DOD_PARALLELISM"),
              cfg->integer("INFRA_DOD_INVENTORY_DEADLINE_S"));
  const auto snap = collect_inventory(cfg.value(), SystemClock::instance(), [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  });
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  int errors = 0;
  for (const auto& [k, e] : snap["entries"].items())
    if (!e.value("ok", false)) ++errors;
  Result<std::filesystem::path> written = out.empty() ? ev->write_file("inventory.json", snap.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n")
                                                      : std::filesystem::path(out);
  if (!out.empty()) {
    std::ofstream f(out, std::ios::trunc);
    f << SecretRegistry::process().mask(snap.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) << "\n";
    if (!f) written = Error{ErrorKind::internal, "cannot write " + out};
  }
  if (!written) {
    std::fprintf(stderr, "infra-dod inventory: %s\n", written.error().message.c_str());
    return 1;
  }
  std::printf("collected %zu entries (%d errors) in %lld ms: %s\n", snap["entries"].size(), errors,
              static_cast<long long>(ms.count()), written.value().string().c_str());
  return 0;
}

}  // namespace infra_dod::cli
