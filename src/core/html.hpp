#pragma once
// HTML escaping, the one routine for every text Tessera puts into HTML: the hosted pages'
// placeholders (api/page_template.hpp) and the HTML part of the mails (mail/templates.hpp).
#include <string>
#include <string_view>

namespace tessera::html {

// Appends `s` to `out` with &, <, >, " and ' escaped, so it is safe as HTML text and as a
// quoted attribute value.
void append_escaped(std::string& out, std::string_view s);

// `s` escaped as append_escaped does.
std::string escape(std::string_view s);

}  // namespace tessera::html
