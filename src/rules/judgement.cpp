#include "rules/judgement.h"
#include "runtime/json_field.h"

namespace infra_dod {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::pass: return "pass";
    case Outcome::fail: return "fail";
    case Outcome::error: return "error";
  }
  return "error";
}

std::string Judgement::failure_summary() const {
  std::string s;
  for (const auto& f : findings) {
    if (f.ok) continue;
    if (!s.empty()) s += "; ";
    if (!f.judged) {
      s += f.check + ": could not judge: " + f.found;
      continue;
    }
    s += f.check + ": expected " + f.expected + ", found " + f.found;
    if (!f.resource.empty()) s += " (" + f.resource + ")";
  }
  return s;
}

Judgement& Judgement::conclude() {
  if (!error.empty()) {
    outcome = Outcome::error;
    return *this;
  }
  outcome = findings.empty() ? Outcome::error : Outcome::pass;
  if (findings.empty()) error = "the rule made no check";
  std::string unjudged;
  for (const auto& f : findings) {
    if (!f.judged) {
      unjudged += (unjudged.empty() ? "" : "; ") + f.check + ": " + f.found;
    } else if (!f.ok) {
      outcome = Outcome::fail;
    }
  }
  if (outcome == Outcome::pass && !unjudged.empty()) {
    outcome = Outcome::error;
    error = "could not judge " + unjudged;
  }
  return *this;
}

Judgement Judgement::cannot_judge(std::string why) {
  Judgement j;
  j.outcome = Outcome::error;
  j.error = std::move(why);
  return j;
}

const nlohmann::json* entry(const nlohmann::json& snapshot, const std::string& name) {
  auto e = snapshot.find("entries");
  if (e == snapshot.end() || !e->is_object()) return nullptr;
  auto it = e->find(name);
  return it == e->end() ? nullptr : &*it;
}

const nlohmann::json* entry_value(const nlohmann::json& snapshot, const std::string& name) {
  const auto* e = entry(snapshot, name);
  if (!e || !field(*e, "ok", false) || !e->contains("value")) return nullptr;
  return &(*e)["value"];
}

std::string entry_error(const nlohmann::json& snapshot, const std::string& name) {
  const auto* e = entry(snapshot, name);
  if (!e) return name + ": not in the inventory snapshot";
  if (field(*e, "ok", false)) return {};
  const auto err = field(*e, "error", nlohmann::json::object());
  std::string s = name + ": " + field(err, "kind", "error");
  if (e->contains("status") && (*e)["status"].is_number() && (*e)["status"].get<int>() > 0)
    s += " " + std::to_string((*e)["status"].get<int>());
  if (!field(err, "code", "").empty()) s += " " + field(err, "code", "");
  if (!field(err, "message", "").empty()) s += ": " + field(err, "message", "");
  if (field(*e, "attempts", 1) > 1) s += " (after " + std::to_string(field(*e, "attempts", 1)) + " attempts)";
  return s;
}

bool entry_is_not_found(const nlohmann::json& snapshot, const std::string& name) {
  const auto* e = entry(snapshot, name);
  return e && !field(*e, "ok", false) && field(field(*e, "error", nlohmann::json::object()), "kind", "") == "not-found";
}

std::string config_value(const nlohmann::json& snapshot, const std::string& variable) {
  auto c = snapshot.find("config");
  if (c == snapshot.end() || !c->is_object()) return {};
  return c->value(variable, "");
}

}  // namespace infra_dod
