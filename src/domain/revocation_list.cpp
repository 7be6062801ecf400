#include "domain/revocation_list.hpp"

#include <algorithm>
#include <mutex>

namespace tessera::domain {

void RevocationList::apply(const RevocationEvent& e) {
  std::unique_lock lock(mutex_);
  last_event_id_ = std::max(last_event_id_, e.id);
  if (e.kind == RevocationEvent::Kind::session) {
    auto [it, inserted] = sessions_.try_emplace(e.subject, e.expires_at);
    if (!inserted) it->second = std::max(it->second, e.expires_at);
    return;
  }
  auto [it, inserted] = users_.try_emplace(e.subject, UserEntry{e.version, e.expires_at});
  if (!inserted) {
    it->second.min_version = std::max(it->second.min_version, e.version);
    it->second.expires_at = std::max(it->second.expires_at, e.expires_at);
  }
}

bool RevocationList::is_revoked(std::string_view session_id, std::string_view user_id,
                                std::int64_t token_version) const {
  std::shared_lock lock(mutex_);
  if (!sessions_.empty() && sessions_.find(session_id) != sessions_.end()) return true;
  if (!users_.empty()) {
    const auto it = users_.find(user_id);
    if (it != users_.end() && token_version < it->second.min_version) return true;
  }
  return false;
}

void RevocationList::purge(TimePoint now) {
  std::unique_lock lock(mutex_);
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second < now; });
  std::erase_if(users_, [now](const auto& kv) { return kv.second.expires_at < now; });
}

std::size_t RevocationList::size() const {
  std::shared_lock lock(mutex_);
  return sessions_.size() + users_.size();
}

std::int64_t RevocationList::last_event_id() const {
  std::shared_lock lock(mutex_);
  return last_event_id_;
}

}  // namespace tessera::domain
