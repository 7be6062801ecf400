#include "core/json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include "core/utf8.hpp"
#include <cmath>
#include <string>
#include <vector>

namespace tessera::json {
namespace {

namespace bj = boost::json;

// Builds the value like Boost's own parser handler, and also tracks the member names of every
// open object so that a repeated name stops the parse.
struct StrictHandler {
  static constexpr std::size_t max_object_size = bj::object::max_size();
  static constexpr std::size_t max_array_size = bj::array::max_size();
  static constexpr std::size_t max_key_size = bj::string::max_size();
  static constexpr std::size_t max_string_size = bj::string::max_size();

  bj::value_stack st;
  std::vector<std::string> keys;         // names of all open objects, innermost last
  std::vector<std::size_t> frame_start;  // index into `keys` where each open object begins
  std::string key_part;
  bool duplicate = false;
  bool out_of_range = false;

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) {
    frame_start.push_back(keys.size());
    return true;
  }
  bool on_object_end(std::size_t n, bj::error_code&) {
    keys.resize(frame_start.back());
    frame_start.pop_back();
    st.push_object(n);
    return true;
  }
  bool on_array_begin(bj::error_code&) { return true; }
  bool on_array_end(std::size_t n, bj::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    key_part.append(s.data(), s.size());
    st.push_chars(s);
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code& ec) {
    key_part.append(s.data(), s.size());
    for (std::size_t i = frame_start.back(); i < keys.size(); ++i) {
      if (keys[i] == key_part) {
        duplicate = true;
        ec = bj::error::syntax;  // stops the parser; `duplicate` says why
        return false;
      }
    }
    keys.push_back(std::move(key_part));
    key_part.clear();
    st.push_key(s);
    return true;
  }
  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(bj::string_view, bj::error_code&) { return true; }
  bool on_int64(std::int64_t i, bj::string_view, bj::error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, bj::string_view, bj::error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, bj::string_view, bj::error_code& ec) {
    // 1e400 overflows to infinity and Boost 1.81 reads 0e400 as NaN; neither is a JSON number,
    // and Boost would write them back as "Infinity" / "NaN" (found by fuzz/fuzz_json_body).
    if (!std::isfinite(d)) {
      out_of_range = true;
      ec = bj::error::syntax;
      return false;
    }
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, bj::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(bj::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }
};

}  // namespace

Result<bj::value> parse_strict(std::string_view text, Limits limits) {
  bj::parse_options opt;
  opt.max_depth = limits.max_depth;
  opt.allow_comments = false;
  opt.allow_trailing_commas = false;
  opt.allow_invalid_utf8 = false;
  bj::basic_parser<StrictHandler> p(opt);
  p.handler().st.reset();
  bj::error_code ec;
  const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
  if (p.handler().duplicate) {
    return make_error(errc::invalid_request, "The JSON body has a duplicate member name.",
                      "json: duplicate member name");
  }
  if (p.handler().out_of_range) {
    return make_error(errc::invalid_request, "The JSON body has a number out of range.", "json: number out of range");
  }
  if (ec) {
    const bool too_deep = ec == bj::error::too_deep;
    return make_error(errc::invalid_request,
                      too_deep ? "The JSON body is nested too deeply." : "The body is not valid JSON.",
                      "json: " + ec.message());
  }
  if (used != text.size()) {
    return make_error(errc::invalid_request, "The body is not valid JSON.", "json: trailing data");
  }
  return p.handler().st.release();
}

void append_quoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else if (c < 0x80) {
          out.push_back(static_cast<char>(c));
        } else if (const std::size_t n = utf8::sequence_length(s, i); n != 0) {
          out.append(s.substr(i, n));
          i += n - 1;
        } else {
          out += "\\ufffd";  // a byte that is not UTF-8 (a hostile User-Agent, say)
        }
    }
  }
  out.push_back('"');
}

}  // namespace tessera::json
