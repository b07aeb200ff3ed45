#pragma once
// Reading an inventory snapshot the way every rule needs it. Absent, null and "" read alike
// (ARM and the API server omit empty fields), and an error entry blocks the judgement unless the
// caller said absence is itself a finding (a not-found then reads as "absent").
#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/judgement.h"

namespace infra_dod::rules {

const nlohmann::json* at(const nlohmann::json& object, std::initializer_list<std::string_view> path);
std::string text_at(const nlohmann::json& object, std::initializer_list<std::string_view> path);
const nlohmann::json& array_at(const nlohmann::json& object, std::initializer_list<std::string_view> path);
std::string join(const std::vector<std::string>& parts, std::string_view sep = ", ");
// A check that could not be made because an entry it needs could not be read (`why`).
Finding unjudged(std::string check, std::string expected, std::string why, std::string resource = {});

// What a not-found entry said ("ResourceNotFound: The Resource ... was not found."), for the
// `found` side of a finding.
std::string absence(const nlohmann::json& snapshot, const std::string& name);

class EntryReader {
 public:
  explicit EntryReader(const nlohmann::json& snapshot) : snapshot_(snapshot) {}
  // An object entry; with `not_found`, a not-found entry is reported there instead of blocking.
  const nlohmann::json* object(const std::string& name, bool* not_found);
  // An ARM list's merged value array. A 404 on a list means its parent is missing: nothing is
  // listed, and the parent's own finding says why.
  const nlohmann::json* array(const std::string& name);
  // A kubectl list ({"kind":"List","items":[...]}). A NotFound means the namespace itself is
  // missing, so nothing exists in it: the list reads as empty.
  const nlohmann::json* items(const std::string& name);
  bool blocked() const { return !errors_.empty(); }
  // Why `name` could not be read (it was asked for and is an error entry or the wrong shape);
  // nothing when it was read, or was never asked for. Rules whose checks need different entries
  // use this instead of blocked(), so one failed read leaves only its own checks unjudged.
  std::optional<std::string> failure(const std::string& name) const;
  Judgement cannot_judge() const { return Judgement::cannot_judge(join(errors_, "; ")); }
  void block(std::string why) { errors_.push_back(std::move(why)); }

 private:
  const nlohmann::json* read(const std::string& name, bool* not_found);
  const nlohmann::json* shape_error(const std::string& name, const std::string& expected);
  const nlohmann::json& snapshot_;
  std::vector<std::string> errors_;
  std::map<std::string, std::string> failures_;
};

}  // namespace infra_dod::rules
