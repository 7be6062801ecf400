#include "api/page_template.hpp"

#include "core/html.hpp"
#include "domain/identifiers.hpp"
#include "domain/password_policy.hpp"

namespace tessera::api {

std::string fill_placeholders(std::string_view text, std::span<const PageValue> values) {
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(text, pos, open - pos);
    const std::string_view name = text.substr(open + 2, close - open - 2);
    const PageValue* found = nullptr;
    for (const auto& v : values) {
      if (v.name == name) found = &v;
    }
    if (found != nullptr) {
      html::append_escaped(out, found->value);
    } else {
      out.append(text, open, close + 2 - open);
    }
    pos = close + 2;
  }
  out.append(text, pos);
  return out;
}

std::vector<PageValue> site_page_values(const WebSettings& web) {
  return {
      {"product", web.product_name},
      {"password_min", std::to_string(web.password_min_length)},
      {"password_max", std::to_string(domain::kMaxPasswordBytes)},
      {"email_max", std::to_string(domain::kMaxEmailBytes)},
      {"username_max", std::to_string(2 * domain::kMaxUsernameCodePoints)},
  };
}

}  // namespace tessera::api
