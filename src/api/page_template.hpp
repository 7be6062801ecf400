#pragma once
// The hosted pages of web/ are plain HTML with a few {{name}} placeholders the server fills in:
// the site's own values once when a page is loaded (the product name, the limits of the
// account rules), and on the server-rendered pages the request's values (the mailed token, the
// sentence of a failure). Every value is HTML-escaped, with the one escaper of core/html.hpp.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/web_settings.hpp"

namespace tessera::api {

struct PageValue {
  std::string_view name;  // without the braces: "product"
  std::string value;      // as text; escaped when it is put in
};

// `text` with each {{name}} whose name is among `values` replaced by its escaped value. Other
// {{...}} stay as they are, for a later call with the request's values.
std::string fill_placeholders(std::string_view text, std::span<const PageValue> values);

// The values every page may use, one source for each: {{product}} (TESSERA_PRODUCT_NAME),
// {{password_min}} (TESSERA_PASSWORD_MIN_LENGTH, code points), {{password_max}} (the policy's
// byte limit), {{email_max}} (bytes) and {{username_max}}. The last three are what the pages
// put in `maxlength`, which counts UTF-16 units: a password or email of at most N bytes has at
// most N units, and a username of at most 32 code points at most 64, so a browser never cuts an
// input the server would accept; a longer one gets the server's sentence.
std::vector<PageValue> site_page_values(const WebSettings& web);

}  // namespace tessera::api
