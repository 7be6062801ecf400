#include "http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace tessera::http {
namespace {

std::vector<std::string> split_segments(std::string_view pattern) {
  std::vector<std::string> out;
  std::size_t i = 1;  // skip the leading '/'
  while (i <= pattern.size()) {
    const auto slash = pattern.find('/', i);
    const auto end = slash == std::string_view::npos ? pattern.size() : slash;
    out.emplace_back(pattern.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

bool is_param(std::string_view seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

}  // namespace

void Router::add(Route route) {
  if (route.pattern.empty() || route.pattern.front() != '/') {
    throw std::logic_error("route pattern must start with '/': " + route.pattern);
  }
  for (const auto& r : routes_) {
    if (r.method == route.method && r.pattern == route.pattern) {
      throw std::logic_error("route defined twice: " + route.pattern);
    }
  }
  const std::size_t index = routes_.size();
  largest_body_ = std::max(largest_body_, route.max_body_bytes);
  auto segments = split_segments(route.pattern);
  const bool has_params = std::any_of(segments.begin(), segments.end(), [](const auto& s) { return is_param(s); });
  if (has_params) {
    parameterised_.push_back(Compiled{std::move(segments), index});
  } else {
    exact_[route.pattern].push_back(index);
  }
  routes_.push_back(std::move(route));
}

bool Router::matches(const Compiled& c, std::string_view path,
                     boost::container::small_vector<std::pair<std::string_view, std::string_view>, 2>* params) const {
  if (path.empty() || path.front() != '/') return false;
  std::size_t i = 1;
  for (std::size_t k = 0; k < c.segments.size(); ++k) {
    if (i > path.size()) return false;
    const auto slash = path.find('/', i);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view seg = path.substr(i, end - i);
    const std::string& want = c.segments[k];
    if (is_param(want)) {
      if (seg.empty()) return false;
      if (params) params->emplace_back(std::string_view(want).substr(1, want.size() - 2), seg);
    } else if (seg != want) {
      return false;
    }
    i = end + 1;
  }
  return i == path.size() + 1;  // every segment of the path was consumed
}

Router::Match Router::match(Method method, std::string_view path) const {
  Match m;
  boost::container::small_vector<std::size_t, 8> candidates;
  if (auto it = exact_.find(path); it != exact_.end()) candidates.assign(it->second.begin(), it->second.end());
  for (const auto& c : parameterised_) {
    if (matches(c, path, nullptr)) candidates.push_back(c.route_index);
  }
  if (candidates.empty()) return m;

  const auto pick = [&](Method want) -> const Route* {
    for (std::size_t idx : candidates) {
      if (routes_[idx].method == want) return &routes_[idx];
    }
    return nullptr;
  };
  const Route* route = pick(method);
  if (route == nullptr && method == Method::head) route = pick(Method::get);
  if (route == nullptr) {
    m.outcome = Outcome::method_not_allowed;
    std::vector<std::string_view> methods;
    for (std::size_t idx : candidates) {
      methods.push_back(to_string(routes_[idx].method));
      if (routes_[idx].method == Method::get) methods.push_back("HEAD");
    }
    std::sort(methods.begin(), methods.end());
    methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
    for (auto name : methods) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += name;
    }
    return m;
  }
  m.outcome = Outcome::found;
  m.route = route;
  for (const auto& c : parameterised_) {
    if (&routes_[c.route_index] == route) {
      matches(c, path, &m.params);
      break;
    }
  }
  return m;
}

}  // namespace tessera::http
