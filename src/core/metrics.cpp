#include "core/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace tessera::metrics {

void Histogram::observe(double seconds) noexcept {
  std::size_t i = 0;
  while (i < kLatencyBuckets.size() && seconds > kLatencyBuckets[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  const double us = seconds * 1e6;
  sum_us_.fetch_add(us > 0 ? static_cast<std::uint64_t>(us) : 0, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::array<std::uint64_t, kLatencyBuckets.size() + 1> Histogram::buckets() const noexcept {
  std::array<std::uint64_t, kLatencyBuckets.size() + 1> out{};
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first;
    out += "=\"";
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += '}';
  return out;
}

Registry::Family& Registry::family(std::string_view name, Kind kind, std::string_view help) {
  auto it = families_.find(name);
  if (it == families_.end())
    it = families_.emplace(std::string(name), Family{kind, std::string(help), {}, {}, {}, {}}).first;
  return it->second;
}

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& f = family(name, Kind::counter, help);
  auto& slot = f.counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& f = family(name, Kind::gauge, help);
  auto& slot = f.gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& f = family(name, Kind::histogram, help);
  auto& slot = f.histograms[render_labels(labels)];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

void Registry::gauge_function(std::string_view name, std::string_view help, const Labels& labels,
                              std::function<double()> fn) {
  std::lock_guard lock(mutex_);
  family(name, Kind::gauge, help).functions[render_labels(labels)] = std::move(fn);
}

namespace {

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Inserts `le="x"` into a rendered label set.
std::string with_le(const std::string& labels, const std::string& le) {
  if (labels.empty()) return "{le=\"" + le + "\"}";
  return labels.substr(0, labels.size() - 1) + ",le=\"" + le + "\"}";
}

}  // namespace

std::string Registry::render() const {
  std::vector<std::pair<std::string, std::function<double()>>> fns;
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, f] : families_) {
    const char* type = f.kind == Kind::counter ? "counter" : f.kind == Kind::gauge ? "gauge" : "histogram";
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, c] : f.counters) out += name + labels + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : f.gauges) out += name + labels + " " + std::to_string(g->value()) + "\n";
    for (const auto& [labels, fn] : f.functions) out += name + labels + " " + number(fn()) + "\n";
    for (const auto& [labels, h] : f.histograms) {
      const auto b = h->buckets();
      for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        out += name + "_bucket" + with_le(labels, number(kLatencyBuckets[i])) + " " + std::to_string(b[i]) + "\n";
      }
      out += name + "_bucket" + with_le(labels, "+Inf") + " " + std::to_string(b.back()) + "\n";
      out += name + "_sum" + labels + " " + number(h->sum()) + "\n";
      out += name + "_count" + labels + " " + std::to_string(h->count()) + "\n";
    }
  }
  return out;
}

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace tessera::metrics
