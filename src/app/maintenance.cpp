#include "app/maintenance.hpp"

#include <exception>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace tessera::app {
namespace {

using namespace std::chrono_literals;

// How often each job runs. Revocations made elsewhere must take effect within a second (SPEC
// §3): on PostgreSQL a notification wakes the loop at once (wake()), and the poll is the
// safety net; on SQLite (the CLI beside a server) the poll is the way. Rotated keys within a
// few seconds (issue: "a short interval").
constexpr auto kRevocationPoll = 500ms;
constexpr auto kKeyReload = 5s;
constexpr auto kRevocationPurge = 60s;
constexpr auto kStorePurge = 10min;
// Ended sessions stay listed in the database this long (audit, support), then go.
constexpr auto kKeepEndedSessions = std::chrono::hours(24 * 7);

}  // namespace

Maintenance::Maintenance(Runtime& rt) : rt_(rt) {}

Maintenance::~Maintenance() { stop(); }

void Maintenance::start() {
  thread_ = std::thread([this] {
    name_this_thread("maintenance");
    loop();
  });
}

void Maintenance::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Maintenance::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Maintenance::loop() {
  // The dummy hash answers logins for unknown accounts in the time of a real one; making it
  // here, just after start, keeps it off the start-up path and off the first such login.
  try {
    (void)rt_.hasher->dummy_hash();
  } catch (const std::exception& e) {
    log::error("dummy_hash_failed").str("detail", e.what());  // the first unknown login retries
  }
  using Clock = std::chrono::steady_clock;
  auto next_keys = Clock::now() + kKeyReload;
  auto next_revocation_purge = Clock::now() + kRevocationPurge;
  auto next_store_purge = Clock::now() + 30s;
  bool db_down = false;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, kRevocationPoll, [this] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
    auto polled = poll_revocations(rt_);
    if (!polled && !db_down) log::warn("revocation_poll_failed").str("reason", polled.error().reason);
    db_down = !polled;
    const auto now = Clock::now();
    if (now >= next_keys) {
      next_keys = now + kKeyReload;
      if (auto r = rt_.keys->reload(*rt_.db.store); !r) {
        log::warn("key_reload_failed").str("detail", r.error().detail).str("reason", r.error().reason);
      }
    }
    if (now >= next_revocation_purge) {
      next_revocation_purge = now + kRevocationPurge;
      rt_.revocations.purge(rt_.clock.now());
    }
    if (now >= next_store_purge) {
      next_store_purge = now + kStorePurge;
      const auto wall = rt_.clock.now();
      auto purged = rt_.db.store->write([&](domain::StoreTx& tx) { return tx.purge(wall - kKeepEndedSessions, wall); });
      if (purged && *purged > 0) log::info("purged").num("rows", static_cast<std::int64_t>(*purged));
      if (!purged) log::warn("purge_failed").str("reason", purged.error().reason);
      // The audit log keeps TESSERA_AUDIT_RETENTION (90 days by default), then forgets.
      const auto keep_audit = rt_.config.audit_retention;
      auto audit = rt_.db.store->write([&](domain::StoreTx& tx) { return tx.purge_audit(wall - keep_audit); });
      if (audit && *audit > 0) log::info("audit_purged").num("rows", static_cast<std::int64_t>(*audit));
      if (!audit) log::warn("audit_purge_failed").str("reason", audit.error().reason);
    }
  }
}

}  // namespace tessera::app
