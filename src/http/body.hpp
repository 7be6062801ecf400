#pragma once
// A request body as named fields, whether it came as JSON or as a form (SPEC §2: the Flutter
// client of seed 001 posts forms). Typed getters refuse a wrong type with a 400 naming the
// field, so handlers never see a number where they expect a string.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "http/request.hpp"

namespace tessera::http {

class Body {
 public:
  // Parses a JSON object (strict: duplicate names refused) or a form; an empty body is an empty
  // set of fields. Anything else is invalid_request (unsupported types were refused earlier).
  static Result<Body> parse(const Request& request);

  bool has(std::string_view name) const;
  // A string field, or nullopt when absent (JSON null counts as absent).
  Result<std::optional<std::string>> string(std::string_view name) const;
  // A string field that must be present and non-empty.
  Result<std::string> required_string(std::string_view name) const;
  // A boolean (forms: "true"/"false").
  Result<std::optional<bool>> boolean(std::string_view name) const;
  // An array of strings (forms: a comma-separated list).
  Result<std::optional<std::vector<std::string>>> strings(std::string_view name) const;

  const boost::json::object& fields() const { return fields_; }

 private:
  boost::json::object fields_;
  bool from_form_ = false;
};

// Parses application/x-www-form-urlencoded text into string fields. Refuses bad escapes,
// invalid UTF-8 and repeated names.
Result<boost::json::object> parse_form(std::string_view text);

}  // namespace tessera::http
