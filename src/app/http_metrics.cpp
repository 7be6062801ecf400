#include "app/http_metrics.hpp"

#include <string>

#include "core/metrics.hpp"

namespace tessera::app {

void HttpMetrics::on_request(const http::Request& request, const http::Response& response,
                             std::chrono::microseconds took) {
  const std::string route = request.route.empty() ? "unmatched" : std::string(request.route);
  auto& registry = metrics::registry();
  registry
      .counter("tessera_http_requests_total", "HTTP requests answered, by route, method and status.",
               {{"route", route}, {"method", std::string(http::to_string(request.method))},
                {"status", std::to_string(response.status)}})
      .inc();
  registry.histogram("tessera_http_request_duration_seconds", "Time from the first byte of a request to its answer.",
                     {{"route", route}})
      .observe(static_cast<double>(took.count()) / 1e6);
}

}  // namespace tessera::app
