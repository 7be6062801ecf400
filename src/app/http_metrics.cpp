#include "app/http_metrics.hpp"

#include <string>
#include <tuple>
#include <unordered_map>

#include "core/metrics.hpp"

namespace tessera::app {
namespace {

struct Pair {
  metrics::Counter* requests;
  metrics::Histogram* duration;
};

struct KeyHash {
  std::size_t operator()(const std::tuple<const char*, int, int>& k) const noexcept {
    return std::hash<const void*>{}(std::get<0>(k)) ^ (static_cast<std::size_t>(std::get<1>(k)) << 20) ^
           static_cast<std::size_t>(std::get<2>(k));
  }
};

}  // namespace

void HttpMetrics::on_request(const http::Request& request, const http::Response& response,
                             std::chrono::microseconds took) {
  // The registry's lookup builds label strings under a lock; a request should not pay that, so
  // each thread keeps the metrics it has used, keyed by the route's pattern (stable storage in
  // the router), method and status.
  thread_local std::unordered_map<std::tuple<const char*, int, int>, Pair, KeyHash> cache;
  const auto key = std::make_tuple(request.route.data(), static_cast<int>(request.method), response.status);
  auto it = cache.find(key);
  if (it == cache.end()) {
    const std::string route = request.route.empty() ? "unmatched" : std::string(request.route);
    auto& registry = metrics::registry();
    Pair p{&registry.counter("tessera_http_requests_total", "HTTP requests answered, by route, method and status.",
                             {{"route", route},
                              {"method", std::string(http::to_string(request.method))},
                              {"status", std::to_string(response.status)}}),
           &registry.histogram("tessera_http_request_duration_seconds",
                               "Time from the first byte of a request to its answer.", {{"route", route}})};
    it = cache.emplace(key, p).first;
  }
  it->second.requests->inc();
  it->second.duration->observe(static_cast<double>(took.count()) / 1e6);
}

}  // namespace tessera::app
