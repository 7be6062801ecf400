#include "http/body.hpp"

#include "core/json.hpp"
#include "core/utf8.hpp"
#include "http/dispatcher.hpp"

namespace tessera::http {
namespace {

Error field_error(std::string_view name, std::string_view why) {
  return make_error(errc::invalid_request, std::string(name) + ": " + std::string(why));
}

}  // namespace

Result<boost::json::object> parse_form(std::string_view text) {
  boost::json::object out;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      auto key = percent_decode(pair.substr(0, eq), true);
      auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
      if (!key || !value) return make_error(errc::invalid_request, "The form body has a bad %-escape.");
      if (!utf8::valid(*key) || !utf8::valid(*value)) {
        return make_error(errc::invalid_request, "The form body is not valid UTF-8.");
      }
      if (out.contains(*key)) {
        return make_error(errc::invalid_request, "The form body repeats the field " + key->substr(0, 64) + ".");
      }
      out.emplace(*key, *value);
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return out;
}

Result<Body> Body::parse(const Request& request) {
  Body body;
  if (request.body.empty()) return body;
  const std::string_view ct = request.header("content-type");
  if (is_form(ct)) {
    auto form = parse_form(request.body);
    if (!form) return std::move(form).error();
    body.fields_ = std::move(*form);
    body.from_form_ = true;
    return body;
  }
  auto value = json::parse_strict(request.body);
  if (!value) return std::move(value).error();
  if (!value->is_object()) return make_error(errc::invalid_request, "The JSON body must be an object.");
  body.fields_ = std::move(value->as_object());
  return body;
}

bool Body::has(std::string_view name) const {
  const auto* v = fields_.if_contains(name);
  return v != nullptr && !v->is_null();
}

Result<std::optional<std::string>> Body::string(std::string_view name) const {
  const auto* v = fields_.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return field_error(name, "must be a string");
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::string> Body::required_string(std::string_view name) const {
  auto s = string(name);
  if (!s) return std::move(s).error();
  if (!s->has_value() || (*s)->empty()) return field_error(name, "is required");
  return std::move(**s);
}

Result<std::optional<bool>> Body::boolean(std::string_view name) const {
  const auto* v = fields_.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<bool>{};
  if (v->is_bool()) return std::optional<bool>(v->as_bool());
  if (from_form_ && v->is_string()) {
    if (v->as_string() == "true") return std::optional<bool>(true);
    if (v->as_string() == "false") return std::optional<bool>(false);
  }
  return field_error(name, "must be true or false");
}

Result<std::optional<std::vector<std::string>>> Body::strings(std::string_view name) const {
  const auto* v = fields_.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::vector<std::string>>{};
  std::vector<std::string> out;
  if (from_form_ && v->is_string()) {
    std::string_view s = v->as_string();
    while (!s.empty()) {
      const auto comma = s.find(',');
      if (comma != 0) out.emplace_back(s.substr(0, comma));
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
    return std::optional<std::vector<std::string>>(std::move(out));
  }
  if (!v->is_array()) return field_error(name, "must be a list of strings");
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) return field_error(name, "must be a list of strings");
    out.emplace_back(item.as_string());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace tessera::http
