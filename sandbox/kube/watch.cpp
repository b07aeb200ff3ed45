#include "kube/server.h"

#include <algorithm>
#include <memory>
#include <set>

namespace infra_dod::sandbox::kube {

// A watch streams one JSON event per line on a chunked response whose headers go out at once.
// Events are computed from the store (changes coalesce, as a slow watcher may see them), and a
// bare newline, which JSON stream decoders skip, goes out every second while idle: writing is
// the only way to notice a client that went away without closing the stream.
void KubeService::start_watch(const httplib::Request& req, httplib::Response& res, const ResourceType& type,
                              const std::string& ns, Selectors sel) {
  auto w = std::make_shared<Watch>();
  w->type = &type;
  w->ns = ns;
  w->selectors = std::move(sel);
  long timeout_s = 1800;
  try {
    if (req.has_param("timeoutSeconds")) timeout_s = std::stol(req.get_param_value("timeoutSeconds"));
  } catch (const std::exception&) {
    return reply(res, 400, status_body(400, "BadRequest", "invalid timeoutSeconds"));
  }
  w->deadline = SteadyClock::now() + std::chrono::seconds(std::clamp(timeout_s, 0L, 1800L));
  w->last_write = SteadyClock::now();
  std::uint64_t from = 0;
  try {
    const std::string rv = req.get_param_value("resourceVersion");
    if (!rv.empty()) from = std::stoull(rv);
  } catch (const std::exception&) {
    return reply(res, 400, status_body(400, "BadRequest", "invalid resourceVersion"));
  }
  {
    std::lock_guard lock(mu_);
    // Objects the client already has at `from` are known; later changes and deletions become
    // MODIFIED/DELETED events, later creations ADDED. No version: everything current is ADDED.
    if (from > 0) {
      for (const auto& [key, s] : objects_)
        if (s.created_rv <= from && in_scope(s, type, ns, w->selectors)) {
          const auto rv = std::stoull(s.obj["metadata"]["resourceVersion"].get<std::string>());
          w->known[key] = rv <= from ? rv : 0;
        }
      for (const auto& t : tombstones_)
        if (t.created_rv <= from && t.deleted_rv > from && !objects_.count(t.key) &&
            find_kind(t.obj.value("apiVersion", ""), t.obj.value("kind", "")) == &type &&
            (ns.empty() || namespace_of(t.obj) == ns) && matches(t.obj, w->selectors))
          w->known[t.key] = 0;
    }
    w->seen_change = change_seq_;
  }
  res.status = 200;
  res.set_chunked_content_provider("application/json", [this, w](std::size_t, httplib::DataSink& sink) {
    std::string out;
    bool finished = false;
    {
      std::unique_lock lock(mu_);
      if (!w->first) {
        const auto wake = std::min(SteadyClock::now() + std::chrono::milliseconds(200), w->deadline);
        changed_.wait_until(lock, wake, [&] { return stopping_ || change_seq_ != w->seen_change; });
      }
      w->first = false;
      if (stopping_ || SteadyClock::now() >= w->deadline) {
        finished = true;
      } else {
        w->seen_change = change_seq_;
        out = watch_events(*w);
      }
    }
    if (finished) {
      sink.done();
      return true;
    }
    const auto now = SteadyClock::now();
    if (out.empty() && now - w->last_write >= std::chrono::seconds(1)) out.push_back('\n');
    if (out.empty()) return true;
    w->last_write = now;
    return sink.write(out.data(), out.size());
  });
}

// Caller holds mu_.
std::string KubeService::watch_events(Watch& w) {
  std::string out;
  const auto event = [&](const char* type, const json& obj) {
    out += json{{"type", type}, {"object", obj}}.dump();
    out += "\n";
  };
  std::set<std::string> present;
  for (const auto& [key, s] : objects_) {
    if (!in_scope(s, *w.type, w.ns, w.selectors)) continue;
    present.insert(key);
    const auto rv = std::stoull(s.obj["metadata"]["resourceVersion"].get<std::string>());
    auto it = w.known.find(key);
    if (it == w.known.end()) {
      event("ADDED", s.obj);
    } else if (it->second != rv) {
      event("MODIFIED", s.obj);
    } else {
      continue;
    }
    w.known[key] = rv;
  }
  for (auto it = w.known.begin(); it != w.known.end();) {
    if (present.count(it->first)) {
      ++it;
      continue;
    }
    // Gone, or no longer selected: the real server sends DELETED either way.
    json last;
    if (auto o = objects_.find(it->first); o != objects_.end()) {
      last = o->second.obj;
    } else {
      for (auto t = tombstones_.rbegin(); t != tombstones_.rend(); ++t)
        if (t->key == it->first) {
          last = t->obj;
          break;
        }
    }
    if (!last.is_null()) event("DELETED", last);
    it = w.known.erase(it);
  }
  return out;
}

}  // namespace infra_dod::sandbox::kube
