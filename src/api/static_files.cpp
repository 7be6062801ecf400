#include "api/static_files.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "http/problem.hpp"

namespace tessera::api {
namespace {

namespace fs = std::filesystem;

// A file of TESSERA_WEB_DIR larger than this is refused: the pages are a few kilobytes each,
// and a development folder must not let one request read a disk image into memory.
constexpr std::uintmax_t kMaxDiskFileBytes = 4 * 1024 * 1024;

// An asset name: at most this long, from a small alphabet, not starting with a dot.
constexpr std::size_t kMaxAssetName = 100;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A strong validator: FNV-1a over the bytes. Not a security property, only "did it change".
std::string etag_of(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int shift = 60; shift >= 0; shift -= 4) tag.push_back(kHex[(h >> shift) & 0xf]);
  tag += std::to_string(bytes.size());
  tag.push_back('"');
  return tag;
}

// True when If-None-Match (a list of entity tags, or "*") names `etag`. The comparison is the
// weak one RFC 9110 §13.1.2 asks for: a W/ prefix is ignored.
bool not_modified(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view item = if_none_match.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

bool plain_asset_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxAssetName || name.front() == '.') return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The headers every page and asset carries: a strict Content-Security-Policy (scripts and
// styles only from this origin, no inline script or style), no referrer (a page's URL may carry
// a mailed token), no framing.
void add_page_security_headers(http::Response& r) {
  r.with_header("Content-Security-Policy",
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
      .with_header("Referrer-Policy", "no-referrer")
      .with_header("X-Frame-Options", "DENY");
}

http::Response no_such_file() {
  // Not the router's "There is nothing here.": the route exists, the file does not.
  return http::problem(make_error(errc::not_found, "There is no such file.", "static: no such file"));
}

}  // namespace

std::string_view content_type_of(std::string_view name) {
  struct Type {
    std::string_view suffix;
    std::string_view type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& t : kTypes) {
    if (ends_with(name, t.suffix)) return t.type;
  }
  return "application/octet-stream";
}

Result<void> check_web_dir(const std::string& dir) {
  if (dir.empty()) return ok();
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (ec || !fs::is_directory(status)) {
    return make_error(errc::invalid_request, "'" + dir + "' is not a folder; unset it to serve the built-in pages");
  }
  if (!fs::is_regular_file(fs::path(dir) / "index.html", ec)) {
    return make_error(errc::invalid_request, "'" + dir + "' has no index.html; point it at a copy of web/");
  }
  for (const auto name : rendered::kAll) {
    if (!fs::is_regular_file(fs::path(dir) / name, ec)) {
      return make_error(errc::invalid_request,
                        "'" + dir + "' has no " + std::string(name) + "; copy it from this version's web/");
    }
  }
  return ok();
}

StaticFiles::StaticFiles(std::string web_dir, std::vector<PageValue> site) : site_(std::move(site)) {
  if (!web_dir.empty()) {
    std::error_code ec;
    auto canonical = fs::canonical(web_dir, ec);
    // check_web_dir() refused a missing folder at start-up; one that vanished since serves
    // nothing rather than the embedded copy, so a developer notices.
    web_dir_ = ec ? web_dir : canonical.string();
    return;
  }
  for (std::size_t i = 0; i < kWebFileCount; ++i) {
    embedded_.emplace(std::string(kWebFiles[i].path), prepare(kWebFiles[i].path, std::string(kWebFiles[i].bytes)));
  }
}

std::shared_ptr<const StaticFiles::File> StaticFiles::prepare(std::string_view path, std::string bytes) const {
  auto f = std::make_shared<File>();
  f->bytes = ends_with(path, ".html") ? fill_placeholders(bytes, site_) : std::move(bytes);
  f->etag = etag_of(f->bytes);
  return f;
}

std::shared_ptr<const StaticFiles::File> StaticFiles::find(std::string_view path) const {
  if (web_dir_.empty()) {
    const auto it = embedded_.find(path);
    if (it == embedded_.end()) return nullptr;
    return it->second;
  }
  // From the folder: the resolved path (symbolic links followed) must still be inside it and
  // be a regular file of a sane size.
  std::error_code ec;
  const fs::path real = fs::canonical(fs::path(web_dir_) / fs::path(path), ec);
  if (ec) return nullptr;
  const std::string r = real.string();
  if (r.size() <= web_dir_.size() || r.compare(0, web_dir_.size(), web_dir_) != 0 || r[web_dir_.size()] != '/') {
    return nullptr;
  }
  if (!fs::is_regular_file(real, ec) || ec) return nullptr;
  const auto size = fs::file_size(real, ec);
  if (ec || size > kMaxDiskFileBytes) return nullptr;
  std::ifstream in(real, std::ios::binary);
  if (!in) return nullptr;
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) return nullptr;
  return prepare(path, std::move(bytes));
}

http::Response StaticFiles::answer(const http::Request& request, std::string_view path) const {
  const auto file = find(path);
  if (!file) return no_such_file();
  http::Response r;
  if (not_modified(request.header("if-none-match"), file->etag)) {
    r.status = 304;
  } else {
    r.status = 200;
    r.content_type = std::string(content_type_of(path));
    r.body = file->bytes;
  }
  // Kept, but asked about on every use: a new binary (or an edited file) shows at once.
  r.with_header("Cache-Control", "no-cache").with_header("ETag", file->etag);
  add_page_security_headers(r);
  return r;
}

http::Response StaticFiles::render(std::string_view name, int status, std::span<const PageValue> values) const {
  const auto file = find(name);
  if (!file) return no_such_file();
  auto r = http::Response::html(status, fill_placeholders(file->bytes, values));
  r.with_header("Cache-Control", "no-store");
  add_page_security_headers(r);
  return r;
}

http::Response StaticFiles::page(const http::Request& request, std::string_view name) const {
  return answer(request, name);
}

http::Response StaticFiles::asset(const http::Request& request) const {
  const std::string_view name = request.param("file");
  if (!plain_asset_name(name)) return no_such_file();
  return answer(request, "assets/" + std::string(name));
}

}  // namespace tessera::api
