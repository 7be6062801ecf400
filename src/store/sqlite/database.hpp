#pragma once
// One SQLite database file as the process sees it: the per-thread connections and the mutex
// that queues in-process writers. Shared (std::shared_ptr) by the store and its migrator.
//
// Connections are thread-affine: each thread that runs a transaction gets its own connection,
// opened on first use, so its prepared statements stay warm and need no locking. A thread's
// connection is closed when the thread exits or when the database goes away, whichever is first.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/result.hpp"
#include "store/sqlite/connection.hpp"

namespace tessera::store::sqlite {

class Database : public std::enable_shared_from_this<Database> {
 public:
  // Checks `path` (its directory must exist), creates the file when missing (mode 0600: it
  // holds password hashes) and opens a first connection for the calling thread.
  static Result<std::shared_ptr<Database>> open(std::string path, std::chrono::milliseconds busy_timeout);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // The calling thread's connection, opened on first use.
  Result<Connection*> connection();
  // SQLite has one writer at a time. In-process writers queue here rather than in SQLite's busy
  // handler, which polls with millisecond sleeps; BEGIN IMMEDIATE then only waits for other
  // processes.
  std::mutex& write_mutex() { return write_mutex_; }
  // The file path as given in sqlite://PATH.
  const std::string& path() const { return path_; }

  // Closes the connection of the thread `id` (called as that thread exits).
  void release(std::thread::id id);

 private:
  Database(std::string path, std::chrono::milliseconds busy_timeout)
      : path_(std::move(path)), busy_timeout_(busy_timeout) {}

  std::string path_;
  std::chrono::milliseconds busy_timeout_;
  std::mutex write_mutex_;
  std::mutex connections_mutex_;  // guards the map, not the connections in it
  std::unordered_map<std::thread::id, std::unique_ptr<Connection>> connections_;
};

}  // namespace tessera::store::sqlite
