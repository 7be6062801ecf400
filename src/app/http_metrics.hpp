#pragma once
// Counts every answered request by route, method and status, and times it by route, for
// GET /metrics. Unmatched paths share one label so random URLs cannot grow the metric set.
#include "http/server.hpp"

namespace tessera::app {

class HttpMetrics final : public http::RequestObserver {
 public:
  void on_request(const http::Request& request, const http::Response& response,
                  std::chrono::microseconds took) override;
};

}  // namespace tessera::app
