#include "store/sqlite/database.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace tessera::store::sqlite {
namespace {

// Closes this thread's connections as the thread exits, so a process whose threads come and go
// (tests, a pool that is resized) does not keep one open connection per dead thread. It holds
// weak references: a database that is already gone needs nothing.
struct ThreadConnections {
  std::vector<std::weak_ptr<Database>> databases;

  ~ThreadConnections() {
    for (auto& weak : databases) {
      if (auto db = weak.lock()) db->release(std::this_thread::get_id());
    }
  }

  void add(std::weak_ptr<Database> db) {
    std::erase_if(databases, [](const auto& w) { return w.expired(); });
    databases.push_back(std::move(db));
  }
};

thread_local ThreadConnections this_thread_connections;

Error config_error(std::string detail) {
  return make_error(errc::database_unavailable, "TESSERA_DATABASE: " + detail, "sqlite: " + detail);
}

// Creates the file with owner-only permissions before SQLite does (SQLite would use 0644); the
// -wal and -shm files SQLite makes later copy the database file's permissions.
Result<void> create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return ok();
  }
  if (errno == EEXIST) return ok();
  return config_error("cannot create " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::shared_ptr<Database>> Database::open(std::string path, std::chrono::milliseconds busy_timeout) {
  if (path.empty()) return config_error("sqlite:// needs a file path, e.g. sqlite://./tessera.db");
  if (path == ":memory:") {
    // Each connection would get its own empty in-memory database.
    return config_error(
        "sqlite://:memory: is not supported (every connection would see its own "
        "empty database); use a file path");
  }
  namespace fs = std::filesystem;
  const fs::path file(path);
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return config_error("the directory \"" + dir.string() + "\" of sqlite://" + path +
                        " does not exist; create it or choose another path");
  }
  if (fs::is_directory(file, ec)) return config_error("sqlite://" + path + " is a directory, not a file");
  if (auto r = create_private_file(path); !r) return std::move(r).error();

  std::shared_ptr<Database> db(new Database(path, busy_timeout));
  // Open one connection now, so a bad file (not a database, unwritable, no WAL) stops start-up.
  if (auto c = db->connection(); !c) {
    Error e = std::move(c).error();
    if (e.detail.empty()) e.detail = "TESSERA_DATABASE: cannot use sqlite://" + path + " (" + e.reason + ")";
    return e;
  }
  return db;
}

Database::~Database() = default;

Result<Connection*> Database::connection() {
  const auto id = std::this_thread::get_id();
  {
    std::lock_guard lock(connections_mutex_);
    if (auto it = connections_.find(id); it != connections_.end()) return it->second.get();
  }
  // Opened outside the lock: opening touches the file and should not stall other threads.
  auto opened = Connection::open(path_, busy_timeout_);
  if (!opened) return std::move(opened).error();
  Connection* c = opened->get();
  {
    std::lock_guard lock(connections_mutex_);
    connections_.emplace(id, std::move(*opened));
  }
  this_thread_connections.add(weak_from_this());
  return c;
}

void Database::release(std::thread::id id) {
  std::unique_ptr<Connection> closing;
  {
    std::lock_guard lock(connections_mutex_);
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    closing = std::move(it->second);
    connections_.erase(it);
  }
  // Closed outside the lock: the last close checkpoints the WAL, which takes a moment.
}

}  // namespace tessera::store::sqlite
