#pragma once
// Wakes this instance when another one revokes something (PostgreSQL LISTEN/NOTIFY).
//
// Every revocation event is appended with pg_notify(kRevocationChannel) in the same transaction
// (revocations.cpp), so the notification arrives when the event commits. A thread holds one
// extra connection LISTENing on that channel and calls `on_change` for each notification, and
// also after every (re)connect: notifications sent while it was disconnected are lost, so the
// caller then catches up from the event log (the log, not the notification, is the truth; the
// notification only says "read it now" instead of at the next poll).
#include <atomic>
#include <functional>
#include <thread>

#include "store/open.hpp"
#include "store/postgres/target.hpp"

namespace tessera::store::postgres {

inline constexpr const char* kRevocationChannel = "tessera_revocations";

class Listener final : public ChangeListener {
 public:
  Listener(Target target, std::function<void()> on_change);
  ~Listener() override;  // stops the thread and closes its connection

 private:
  void run();
  // Waits on the connection until it breaks or we stop; false when stopping.
  bool listen_on(class Connection& c);
  // Sleeps up to `ms` unless stopped; false when stopping.
  bool pause(int ms);

  Target target_;
  std::function<void()> on_change_;
  int stop_fd_ = -1;  // an eventfd the destructor writes to
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tessera::store::postgres
