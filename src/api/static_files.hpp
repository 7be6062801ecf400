#pragma once
// The hosted pages (SPEC §7): the files of web/ (HTML, CSS, ES modules; no build step), compiled
// into the binary by cmake/embed_dir.cmake so `tessera serve` finds them wherever it is started.
// TESSERA_WEB_DIR serves a folder instead, for working on the pages without rebuilding.
//
// HTML files may hold {{name}} placeholders (page_template.hpp), filled in when a file is loaded
// (the site's values) and, on the server-rendered pages, per request.
//
// Every answer carries the page security headers (strict CSP with script-src 'self', no
// framing, no referrer), `Cache-Control: no-cache` and a strong ETag, so a browser keeps the
// files and revalidates them with a 304 on the next visit. A server-rendered page is never
// stored (`no-store`): it may carry a mailed token.
#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/page_template.hpp"
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

// The HTML files of web/ the server renders itself (email_handlers.cpp), besides the page routes.
namespace rendered {
inline constexpr std::string_view kVerifyEmail = "verify-email.html";  // {{token}}
inline constexpr std::string_view kEmailVerified = "email-verified.html";
inline constexpr std::string_view kResetPassword = "reset-password.html";  // {{token}}, {{message}}
inline constexpr std::string_view kPasswordChanged = "password-changed.html";
inline constexpr std::string_view kLinkInvalid = "link-invalid.html";
inline constexpr std::string_view kProblem = "problem.html";  // {{message}}
inline constexpr std::string_view kAll[] = {kVerifyEmail,     kEmailVerified, kResetPassword,
                                            kPasswordChanged, kLinkInvalid,   kProblem};
}  // namespace rendered

// Checks TESSERA_WEB_DIR at start-up: empty (the embedded files) or a readable folder with
// index.html and every rendered page.
Result<void> check_web_dir(const std::string& dir);

class StaticFiles {
 public:
  // `web_dir` empty: the embedded files; otherwise that folder, read on every request. `site`:
  // the values filled into every HTML file (page_template.hpp: site_page_values).
  StaticFiles(std::string web_dir, std::vector<PageValue> site);

  // A page route: the file `name` of web/ ("account.html").
  http::Response page(const http::Request& request, std::string_view name) const;
  // GET /assets/{file}: a file of web/assets/. Names are plain ([A-Za-z0-9._-], not starting
  // with a dot), so no request can leave the folder.
  http::Response asset(const http::Request& request) const;

  // A server-rendered page: the HTML file `name` of web/ with the request's `values` filled in
  // as well, answered with `status`. Never stored by a cache (it may carry a mailed token).
  http::Response render(std::string_view name, int status, std::span<const PageValue> values) const;

  // True when the files come from TESSERA_WEB_DIR (read from disk: not for the network lane).
  bool from_disk() const { return !web_dir_.empty(); }

 private:
  struct File {
    std::string bytes;  // HTML with the site's values filled in
    std::string etag;
  };
  // The file at `path` (relative to web/), or null when there is none.
  std::shared_ptr<const File> find(std::string_view path) const;
  // A file as served: HTML gets the site's values.
  std::shared_ptr<const File> prepare(std::string_view path, std::string bytes) const;
  http::Response answer(const http::Request& request, std::string_view path) const;

  std::string web_dir_;  // canonical folder, or empty
  std::vector<PageValue> site_;
  std::map<std::string, std::shared_ptr<const File>, std::less<>> embedded_;
};

}  // namespace tessera::api
