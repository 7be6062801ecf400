#include "core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

#include "core/json.hpp"
#include "core/thread_name.hpp"

namespace tessera::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};

// How long lines may wait in the buffer, and how large it may grow before the writer is woken
// early. Past kMaxBufferBytes (stderr blocked for a long time) lines are dropped and counted,
// so a stuck terminal can never grow memory without bound.
constexpr auto kFlushInterval = std::chrono::milliseconds(50);
constexpr std::size_t kWakeBytes = 256 * 1024;
constexpr std::size_t kMaxBufferBytes = 8 * 1024 * 1024;

void write_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to log to; nothing better to do
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

class Writer {
 public:
  void start() {
    std::lock_guard lock(mutex_);
    if (running_) return;
    running_ = true;
    stopping_ = false;
    thread_ = std::thread([this] {
      name_this_thread("log");
      loop();
    });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (!running_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
    std::lock_guard lock(mutex_);
    running_ = false;
  }

  void emit(std::string_view line) {
    std::unique_lock lock(mutex_);
    if (!running_) {
      std::string out(line);
      out.push_back('\n');
      write_all(out);
      return;
    }
    if (pending_.size() + line.size() + 1 > kMaxBufferBytes) {
      ++dropped_;
      return;
    }
    pending_.append(line);
    pending_.push_back('\n');
    if (pending_.size() >= kWakeBytes) {
      lock.unlock();
      cv_.notify_one();
    }
  }

  void flush() {
    std::string out;
    {
      std::lock_guard lock(mutex_);
      out.swap(pending_);
    }
    std::lock_guard write_lock(write_mutex_);
    write_all(out);
  }

 private:
  void loop() {
    std::string out;
    for (;;) {
      std::size_t dropped = 0;
      bool done = false;
      {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, kFlushInterval, [this] { return stopping_ || pending_.size() >= kWakeBytes; });
        out.swap(pending_);
        dropped = dropped_;
        dropped_ = 0;
        done = stopping_;
      }
      {
        std::lock_guard write_lock(write_mutex_);
        write_all(out);
        if (dropped > 0) {
          write_all("{\"level\":\"warn\",\"msg\":\"log_lines_dropped\",\"lines\":" + std::to_string(dropped) + "}\n");
        }
      }
      out.clear();
      if (out.capacity() > kWakeBytes * 4) out.shrink_to_fit();  // after a burst, give memory back
      if (done) return;
    }
  }

  std::mutex mutex_;
  std::mutex write_mutex_;  // keeps flush() and the thread's writes in order
  std::condition_variable cv_;
  std::string pending_;
  std::size_t dropped_ = 0;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

Writer& writer() {
  static Writer w;
  return w;
}

// "2026-11-23T10:00:00.123Z"; the part up to the seconds is formatted once a second per thread.
void append_timestamp(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[24];
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  out.append(cached);
  const int milli = static_cast<int>(ms % 1000);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + milli / 100));
  out.push_back(static_cast<char>('0' + milli / 10 % 10));
  out.push_back(static_cast<char>('0' + milli % 10));
  out.push_back('Z');
}

}  // namespace

Result<Level> parse_level(std::string_view text) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn" || text == "warning") return Level::warn;
  if (text == "error") return Level::error;
  if (text == "off") return Level::off;
  return make_error(errc::invalid_request, "expected debug, info, warn, error or off");
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::off: return "off";
  }
  return "info";
}

void start(Level level) {
  set_level(level);
  writer().start();
}

void stop() { writer().stop(); }

void flush() { writer().flush(); }

void set_level(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed) && level != Level::off;
}

Line::Line(Level level, std::string_view event) : on_(enabled(level)) {
  if (!on_) return;
  buf_.reserve(256);
  buf_ += "{\"ts\":\"";
  append_timestamp(buf_);
  buf_ += "\",\"level\":\"";
  buf_ += to_string(level);
  buf_ += "\",\"msg\":";
  json::append_quoted(buf_, event);
}

Line::~Line() {
  if (!on_) return;
  buf_.push_back('}');
  writer().emit(buf_);
}

Line& Line::str(std::string_view key, std::string_view value) {
  if (!on_) return *this;
  buf_.push_back(',');
  json::append_quoted(buf_, key);
  buf_.push_back(':');
  json::append_quoted(buf_, value);
  return *this;
}

Line& Line::num(std::string_view key, std::int64_t value) {
  if (!on_) return *this;
  buf_.push_back(',');
  json::append_quoted(buf_, key);
  buf_.push_back(':');
  char tmp[24];
  const auto r = std::to_chars(tmp, tmp + sizeof tmp, value);
  buf_.append(tmp, r.ptr);
  return *this;
}

Line& Line::real(std::string_view key, double value) {
  if (!on_) return *this;
  char tmp[32];
  const int n = std::snprintf(tmp, sizeof tmp, "%.3f", value);
  buf_.push_back(',');
  json::append_quoted(buf_, key);
  buf_.push_back(':');
  buf_.append(tmp, static_cast<std::size_t>(n));
  return *this;
}

Line& Line::flag(std::string_view key, bool value) {
  if (!on_) return *this;
  buf_.push_back(',');
  json::append_quoted(buf_, key);
  buf_ += value ? ":true" : ":false";
  return *this;
}

}  // namespace tessera::log
