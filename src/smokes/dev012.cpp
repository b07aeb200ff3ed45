#include "smokes/dev012.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "rules/pytest_output.h"
#include "smokes/python_child.h"
#include "runtime/json_field.h"

namespace infra_dod {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kEvidenceFile[] = "dev012-fingerprint.jsonl";
constexpr char kEntryPoint[] = "tests/smoke/test_incident_fingerprint_smoke.py";
constexpr char kGateFlag[] = "RUN_DEV012_FINGERPRINT_SMOKE";

json summary_json(const PytestRun& r) {
  json lines = json::array();
  for (const auto& l : r.output.summary) lines.push_back({{"outcome", l.outcome}, {"subject", l.subject}, {"reason", l.reason}});
  return {{"summary", lines}, {"totals", r.output.totals}, {"runtime_input_paths", runtime_input_paths(r.output)}};
}

}  // namespace

SmokeResult run_fingerprint_smoke(const Config& cfg, const Evidence& ev, const std::string& dod_item,
                                  const fs::path& labels_dir, bool gate_open) {
  SmokeResult out;
  out.headline = "DEV-012 fingerprint smoke follows ADR-0027: default fixture, override and gate modes";
  const std::string env_name = cfg.get("DEV012_SMOKE_ENV").value_or("dev");
  if (env_name != "dev" && env_name != "staging")
    return cannot(std::move(out), "DEV012_SMOKE_ENV must be dev or staging, not '" + env_name + "'");
  auto checkout = open_checkout(cfg);
  if (!checkout) return cannot(std::move(out), checkout.error().message);
  const auto& c = checkout.value();

  std::ifstream rin(labels_dir / "adr0027.json");
  const json rationale = json::parse(rin, nullptr, false);
  if (rationale.is_discarded() || !rationale.contains("rejected_alternatives"))
    return cannot(std::move(out), (labels_dir / "adr0027.json").string() + " is missing or holds no rejected_alternatives");
  json context = checkout_of(c.repo);
  context.update({{"step", "context"},
                  {"entry_point", kEntryPoint},
                  {"python", c.python_name},
                  {"smoke_env", env_name},
                  {"gate_open", gate_open},
                  {"adr0027", {{"decision", field(rationale, "decision", "")},
                               {"rejected_alternatives", rationale["rejected_alternatives"]}}}});
  keep(out, ev.append(kEvidenceFile, dod_item, context));

  FingerprintObservation obs;
  obs.expected_default_path = "tests/fixtures/runtime_inputs/" + env_name + "_incident_input.json";
  const auto run_mode = [&](const std::string& mode, const ChildEnv& env) -> std::optional<PytestRun> {
    const auto child = run_pytest(c, kEntryPoint, env);
    auto run = pytest_run_of(child, c);
    json record = child_record(child);
    record["step"] = mode;
    record["pytest"] = summary_json(run);
    record["problem"] = run.problem;
    keep(out, ev.append(kEvidenceFile, dod_item, record));
    return run;
  };

  if (gate_open) {
    obs.default_mode = run_mode("default-fixture-mode", {{kGateFlag, "1"},
                                                         {"DEV012_SMOKE_ENV", env_name},
                                                         {"DEV012_RUNTIME_INPUT_PATH", std::nullopt}});
    // The override input: a copy of the checkout's own fixture, so it fits the checkout's schema.
    const fs::path source = c.repo / obs.expected_default_path;
    std::ifstream in(source, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (in) {
      const auto written = ev.write_file("dev012-override-input.json", text.str());
      if (!written) return cannot(std::move(out), "cannot write the override input: " + written.error().message);
      keep(out, written);
      obs.override_path = fs::absolute(written.value()).string();
      obs.override_mode = run_mode("override-mode", {{kGateFlag, "1"},
                                                     {"DEV012_SMOKE_ENV", env_name},
                                                     {"DEV012_RUNTIME_INPUT_PATH", obs.override_path}});
    } else {
      obs.override_path = "(a copy of " + obs.expected_default_path + ", which is missing)";
      keep(out, ev.append(kEvidenceFile, dod_item,
                          {{"step", "override-mode"}, {"problem", "no input to copy: " + source.string() + " is missing"}}));
    }
  }
  obs.gate_mode = *run_mode("gate-mode", {{kGateFlag, std::nullopt},
                                          {"DEV012_SMOKE_ENV", env_name},
                                          {"DEV012_RUNTIME_INPUT_PATH", std::nullopt}});
  // A run that could not happen (no pytest, a timeout) leaves the policy unjudged.
  for (const auto* r : {obs.default_mode ? &*obs.default_mode : nullptr, obs.override_mode ? &*obs.override_mode : nullptr,
                        &obs.gate_mode})
    if (r && !r->ran && !r->problem.empty()) return cannot(std::move(out), r->problem);

  out.judgement = judge_fingerprint_policy(obs);
  json verdicts = json::object();
  for (const auto& f : out.judgement.findings) verdicts[f.check] = f.ok ? "pass" : "fail";
  keep(out, ev.append(kEvidenceFile, dod_item,
                      {{"step", "verdicts"}, {"outcome", to_string(out.judgement.outcome)}, {"verdicts", verdicts}}));
  return out;
}

}  // namespace infra_dod
