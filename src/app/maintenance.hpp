#pragma once
// Background upkeep of a running server, on its own thread (it touches the database, so never
// on a network thread): applies revocations made elsewhere (other instances, the CLI) within a
// second, picks up rotated signing keys, forgets expired revocations, and deletes old sessions
// and audit entries older than TESSERA_AUDIT_RETENTION.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/runtime.hpp"

namespace tessera::app {

class Maintenance {
 public:
  explicit Maintenance(Runtime& rt);
  ~Maintenance();
  void start();
  void stop();
  // Reads revocations now rather than at the next poll (a PostgreSQL notification: another
  // instance revoked something). Safe from any thread.
  void wake();

 private:
  void loop();
  Runtime& rt_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace tessera::app
