#pragma once
// The hosted pages (SPEC §7): the files of web/ (HTML, CSS, ES modules; no build step), compiled
// into the binary by cmake/embed_dir.cmake so `tessera serve` finds them wherever it is started.
// TESSERA_WEB_DIR serves a folder instead, for working on the pages without rebuilding.
//
// Every answer carries the page security headers (html.hpp: strict CSP with script-src 'self',
// no framing, no referrer), `Cache-Control: no-cache` and a strong ETag, so a browser keeps the
// files and revalidates them with a 304 on the next visit.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace tessera::api {

// One file of web/: its path under the folder ("assets/tessera.css") and its bytes.
struct EmbeddedFile {
  std::string_view path;
  std::string_view bytes;
};

// The files of web/, generated at build time (cmake/embed_dir.cmake), sorted by path.
extern const EmbeddedFile* const kWebFiles;
extern const std::size_t kWebFileCount;

// The Content-Type for a file name, from its extension (application/octet-stream if unknown).
std::string_view content_type_of(std::string_view name);

// Checks TESSERA_WEB_DIR at start-up: empty (the embedded files) or a readable folder.
Result<void> check_web_dir(const std::string& dir);

class StaticFiles {
 public:
  // `web_dir` empty: the embedded files; otherwise that folder, read on every request.
  explicit StaticFiles(std::string web_dir);

  // A page route: the file `name` of web/ ("account.html").
  http::Response page(const http::Request& request, std::string_view name) const;
  // GET /assets/{file}: a file of web/assets/. Names are plain ([A-Za-z0-9._-], not starting
  // with a dot), so no request can leave the folder.
  http::Response asset(const http::Request& request) const;

  // True when the files come from TESSERA_WEB_DIR (read from disk: not for the network lane).
  bool from_disk() const { return !web_dir_.empty(); }

 private:
  struct File {
    std::string_view bytes;  // into the embedded table, or into `owned`
    std::string owned;       // the bytes read from TESSERA_WEB_DIR
    std::string etag;
  };
  // The file at `path` (relative to web/), or nullopt when there is none.
  std::optional<File> find(std::string_view path) const;
  http::Response answer(const http::Request& request, std::string_view path) const;

  std::string web_dir_;  // canonical folder, or empty
  std::map<std::string, File, std::less<>> embedded_;
};

}  // namespace tessera::api
