#include "core/log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

#include "core/json.hpp"

namespace tessera::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_mutex;                      // guards g_logger changes
std::shared_ptr<spdlog::logger> g_logger;  // null until start(): lines go straight to stderr

// Bound on queued lines; past it, writers wait (no line is dropped silently).
constexpr std::size_t kQueueLines = 16384;

void append_timestamp(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                              static_cast<int>(ms % 1000));
  out.append(buf, static_cast<std::size_t>(n));
}

void emit(std::string_view line) {
  std::shared_ptr<spdlog::logger> logger;
  {
    std::lock_guard lock(g_mutex);
    logger = g_logger;
  }
  if (logger) {
    logger->info("{}", line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
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
  std::lock_guard lock(g_mutex);
  if (g_logger) return;
  spdlog::init_thread_pool(kQueueLines, 1);
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::async_logger>("tessera", sink, spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::block);
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  g_logger = std::move(logger);
}

void stop() {
  std::shared_ptr<spdlog::logger> logger;
  {
    std::lock_guard lock(g_mutex);
    logger = std::move(g_logger);
    g_logger.reset();
  }
  if (logger) logger->flush();
  spdlog::shutdown();
}

void set_level(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed) && level != Level::off;
}

Line::Line(Level level, std::string_view event) : level_(level), on_(enabled(level)) {
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
  emit(buf_);
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
  buf_ += std::to_string(value);
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
