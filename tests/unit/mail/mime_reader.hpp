#pragma once
// A small, independent MIME reader for the tests: it takes a built message apart again
// (headers, boundary, parts, quoted-printable, encoded-words) without sharing code with the
// builder, so a bug in one is not mirrored in the other.
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::mail::testing {

struct Parsed {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded, in order
  std::string body;

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n.size() == name.size()) {
        bool same = true;
        for (std::size_t i = 0; i < n.size(); ++i) {
          if (std::tolower(static_cast<unsigned char>(n[i])) != std::tolower(static_cast<unsigned char>(name[i]))) {
            same = false;
          }
        }
        if (same) return v;
      }
    }
    return std::nullopt;
  }
  int count(std::string_view name) const {
    int n = 0;
    for (const auto& h : headers) n += h.first == name;
    return n;
  }
};

inline Parsed parse_entity(std::string_view raw) {
  Parsed out;
  const auto split = raw.find("\r\n\r\n");
  std::string_view head = raw.substr(0, split);
  out.body = split == std::string_view::npos ? std::string() : std::string(raw.substr(split + 4));
  std::string unfolded;
  for (std::size_t i = 0; i < head.size(); ++i) {
    // RFC 5322 §2.2.3: unfolding removes a CRLF that is followed by whitespace.
    if (head.substr(i, 2) == "\r\n" && i + 2 < head.size() && (head[i + 2] == ' ' || head[i + 2] == '\t')) {
      ++i;
      continue;
    }
    unfolded.push_back(head[i]);
  }
  std::size_t pos = 0;
  while (pos <= unfolded.size()) {
    auto end = unfolded.find("\r\n", pos);
    if (end == std::string::npos) end = unfolded.size();
    const std::string line = unfolded.substr(pos, end - pos);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers.emplace_back(line.substr(0, colon), value);
    }
    pos = end + 2;
  }
  return out;
}

inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // RFC 2045: encoders use upper case
}

// Decodes quoted-printable; nullopt on anything malformed (lower-case hex, '=' not followed
// by two hex digits or a line break).
inline std::optional<std::string> decode_qp(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out.push_back(s[i]);
      continue;
    }
    if (s.substr(i + 1, 2) == "\r\n") {
      i += 2;
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_digit(s[i + 1]);
    const int lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

inline std::optional<std::string> decode_base64(std::string_view s) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const auto v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// Decodes a header value made of RFC 2047 "B" encoded-words (whitespace between adjacent words
// is dropped, RFC 2047 §6.2) and plain text.
inline std::optional<std::string> decode_words(std::string_view v) {
  std::string out;
  std::string pending_space;
  bool last_was_word = false;
  std::size_t i = 0;
  while (i < v.size()) {
    if (v[i] == ' ' || v[i] == '\t') {
      pending_space.push_back(v[i]);
      ++i;
      continue;
    }
    if (v.substr(i, 10) == "=?UTF-8?B?") {
      const auto end = v.find("?=", i + 10);
      if (end == std::string_view::npos) return std::nullopt;
      if (end + 2 - i > 75) return std::nullopt;  // RFC 2047 §2: at most 75 characters
      auto decoded = decode_base64(v.substr(i + 10, end - i - 10));
      if (!decoded) return std::nullopt;
      if (!last_was_word) out += pending_space;
      pending_space.clear();
      out += *decoded;
      last_was_word = true;
      i = end + 2;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out.push_back(v[i]);
    last_was_word = false;
    ++i;
  }
  out += pending_space;
  return out;
}

// The parameter `name` of a Content-Type value (quoted or not).
inline std::string parameter(std::string_view value, std::string_view name) {
  const std::string key = std::string(name) + "=";
  auto pos = value.find(key);
  if (pos == std::string_view::npos) return {};
  pos += key.size();
  if (pos < value.size() && value[pos] == '"') {
    const auto end = value.find('"', pos + 1);
    return std::string(value.substr(pos + 1, end - pos - 1));
  }
  const auto end = value.find_first_of("; ", pos);
  return std::string(value.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
}

// The parts of a multipart body (RFC 2046 §5.1.1), or nullopt if the delimiters are wrong.
inline std::optional<std::vector<std::string>> split_multipart(std::string_view body, std::string_view boundary) {
  const std::string first = "--" + std::string(boundary) + "\r\n";
  const std::string delimiter = "\r\n--" + std::string(boundary);
  if (body.substr(0, first.size()) != first) return std::nullopt;
  std::vector<std::string> parts;
  std::size_t pos = first.size();
  while (true) {
    const auto next = body.find(delimiter, pos);
    if (next == std::string_view::npos) return std::nullopt;
    parts.emplace_back(body.substr(pos, next - pos));
    pos = next + delimiter.size();
    if (body.substr(pos, 4) == "--\r\n") {
      if (pos + 4 != body.size()) return std::nullopt;
      return parts;
    }
    if (body.substr(pos, 2) != "\r\n") return std::nullopt;
    pos += 2;
  }
}

// `text` with every line break (CRLF, CR or LF) written as CRLF, as the builder promises.
inline std::string crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace tessera::mail::testing
