// fuzz_json_body: the strict JSON parser, request bodies (JSON and forms), percent-decoding,
// UTF-8 checks and JSON quoting for logs.
//
// The first input byte picks a mode; the rest is the text:
//
//   0  json::parse_strict: what it accepts Boost.JSON's own parser accepts with the same value;
//      what it gives back serialises to text it accepts again; append_quoted() always makes a
//      JSON string it accepts, equal to the input when that is UTF-8; utf8::valid() agrees
//      with an independent decoder.
//   1  Body::parse as application/json, then every typed getter on every field
//   2  Body::parse as application/x-www-form-urlencoded, then the getters
//   3  Body::parse with no Content-Type (the dispatcher refuses that with a body; Body::parse
//      must still be safe)
//   4  parse_form and percent_decode: decoding inverts encoding, a form's fields are UTF-8
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/utf8.hpp"
#include "http/body.hpp"
#include "http/dispatcher.hpp"
#include "http/request.hpp"
#include "support/check.hpp"

namespace {

using namespace tessera;
namespace bj = boost::json;

// RFC 3629 well-formedness, written out again to compare with utf8::valid().
bool utf8_ok(std::string_view s, std::size_t* points) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      len = 1;
      cp = b;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      cp = b & 0x07;
    } else
      return false;
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;  // overlong, too big
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;                                               // surrogates
    i += len;
  }
  if (points != nullptr) *points = n;
  return true;
}

bool all_finite(const bj::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (v.is_array()) return std::all_of(v.get_array().begin(), v.get_array().end(), all_finite);
  if (v.is_object()) {
    return std::all_of(v.get_object().begin(), v.get_object().end(),
                       [](const auto& kv) { return all_finite(kv.value()); });
  }
  return true;
}

void fuzz_json(std::string_view text) {
  std::size_t points = 0;
  const bool valid = utf8_ok(text, &points);
  FUZZ_CHECK(utf8::valid(text) == valid, "utf8::valid disagrees with RFC 3629");
  if (valid) FUZZ_CHECK(utf8::code_points(text) == points, "utf8::code_points miscounts");

  std::string quoted;
  json::append_quoted(quoted, text);
  auto q = json::parse_strict(quoted);
  FUZZ_CHECK(q.has_value() && q->is_string(), "append_quoted made text parse_strict refuses");
  if (valid) FUZZ_CHECK(std::string_view(q->get_string()) == text, "append_quoted changed valid UTF-8");

  auto strict = json::parse_strict(text);
  if (!strict) {
    FUZZ_CHECK(strict.code() == errc::invalid_request, "a JSON failure is not invalid_request");
    return;
  }
  bj::parse_options opt;
  opt.max_depth = json::Limits{}.max_depth;
  bj::error_code ec;
  const bj::value loose = bj::parse(bj::string_view(text.data(), text.size()), ec, {}, opt);
  FUZZ_CHECK(!ec, "parse_strict accepted what Boost.JSON refuses");
  FUZZ_CHECK(all_finite(loose), "parse_strict accepted a number that is not a finite double");
  FUZZ_CHECK(loose == *strict, "parse_strict built another value than Boost.JSON");
  // Infinity and NaN would serialise as the non-JSON "Infinity" / "NaN".
  FUZZ_CHECK(all_finite(*strict), "parse_strict accepted a number that is not a finite double");
  const std::string again = bj::serialize(*strict);
  FUZZ_CHECK(json::parse_strict(again).has_value(), "parse_strict refuses the serialisation of its own value");
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '_' ||
        b == '.' || b == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

void exercise(const http::Body& body) {
  std::vector<std::string> names{"email", "password", "username", "refresh_token", "roles", "disabled", "token"};
  std::size_t n = 0;
  for (const auto& kv : body.fields()) {
    if (++n > 32) break;
    names.emplace_back(kv.key());
  }
  for (const auto& name : names) {
    (void)body.has(name);
    auto s = body.string(name);
    auto r = body.required_string(name);
    if (r) FUZZ_CHECK(!r->empty(), "required_string gave an empty string");
    if (s && s->has_value() && !(*s)->empty()) FUZZ_CHECK(r && *r == **s, "string and required_string disagree");
    (void)body.boolean(name);
    (void)body.strings(name);
  }
}

void fuzz_body(std::string_view text, std::string_view content_type) {
  http::Request req;
  req.method = http::Method::post;
  req.target = req.path = "/auth/login";
  if (!content_type.empty()) req.headers.push_back(http::Header{"Content-Type", content_type});
  req.body = std::string(text);
  auto body = http::Body::parse(req);
  if (!body) {
    FUZZ_CHECK(body.code() == errc::invalid_request, "a body failure is not invalid_request");
    return;
  }
  for (const auto& kv : body->fields()) {
    if (http::is_form(content_type)) {
      FUZZ_CHECK(kv.value().is_string(), "a form field is not a string");
      FUZZ_CHECK(utf8::valid(kv.value().get_string()) && utf8::valid(kv.key()), "a form field is not UTF-8");
    }
  }
  exercise(*body);
}

void fuzz_form(std::string_view text) {
  for (bool plus : {true, false}) {
    auto d = http::percent_decode(text, plus);
    if (d) FUZZ_CHECK(d->size() <= text.size(), "percent_decode grew its input");
  }
  auto round = http::percent_decode(percent_encode(text), false);
  FUZZ_CHECK(round && *round == text, "percent_decode does not invert percent-encoding");

  auto form = http::parse_form(text);
  if (form) {
    for (const auto& kv : *form) {
      FUZZ_CHECK(kv.value().is_string() && utf8::valid(kv.value().get_string()) && utf8::valid(kv.key()),
                 "parse_form gave a field that is not a UTF-8 string");
    }
  }
  if (utf8::valid(text)) {
    auto one = http::parse_form("field=" + percent_encode(text));
    FUZZ_CHECK(one.has_value() && one->size() == 1, "parse_form refused a well-encoded field");
    FUZZ_CHECK(std::string_view(one->at("field").get_string()) == text, "parse_form changed a well-encoded value");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: fuzz_json(rest); break;
    case 1: fuzz_body(rest, "application/json; charset=utf-8"); break;
    case 2: fuzz_body(rest, "application/x-www-form-urlencoded"); break;
    case 3: fuzz_body(rest, ""); break;
    default: fuzz_form(rest); break;
  }
  return 0;
}
