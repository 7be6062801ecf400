#pragma once
// Counters, gauges and histograms, rendered in the Prometheus text format at GET /metrics.
// One process-wide registry; a metric is created on first use and lives for the process, so a
// reference to it may be kept (in a static) and bumped from any thread without locking.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Latency buckets in seconds, from 100 µs (a guarded request) to 10 s (a queued login).
inline constexpr std::array<double, 14> kLatencyBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                        0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   10.0};

class Histogram {
 public:
  void observe(double seconds) noexcept;
  // Cumulative counts per bucket (the last is +Inf), the sum in seconds, and the count.
  std::array<std::uint64_t, kLatencyBuckets.size() + 1> buckets() const noexcept;
  double sum() const noexcept { return static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6; }
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_us_{0};
  std::atomic<std::uint64_t> count_{0};
};

class Registry {
 public:
  // The counter `name{labels}`, made on first use. `help` is kept from the first call.
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const Labels& labels = {});
  // A gauge computed when scraped (queue depths, set sizes). A later call with the same name
  // and labels replaces the function.
  void gauge_function(std::string_view name, std::string_view help, const Labels& labels, std::function<double()> fn);

  // Everything, in the Prometheus text exposition format (version 0.0.4).
  std::string render() const;

 private:
  enum class Kind { counter, gauge, histogram };
  struct Family {
    Kind kind;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // by rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::map<std::string, std::function<double()>> functions;
  };
  Family& family(std::string_view name, Kind kind, std::string_view help);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

// The process-wide registry.
Registry& registry();

// `{k="v",...}` with Prometheus escaping; "" for no labels.
std::string render_labels(const Labels& labels);

}  // namespace tessera::metrics
