// The one HTML escaper (core/html.hpp), used by the hosted pages and the mails' HTML part.
#include "core/html.hpp"

#include <gtest/gtest.h>

namespace tessera::html {
namespace {

TEST(Html, EscapesTheFiveCharactersThatEndTextOrAnAttribute) {
  EXPECT_EQ(escape(R"(<a href="x" title='y'>&amp;</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  EXPECT_EQ(escape("plain text, ü and 日本"), "plain text, ü and 日本");
  std::string out = "kept ";
  append_escaped(out, "<>");
  EXPECT_EQ(out, "kept &lt;&gt;");
}

}  // namespace
}  // namespace tessera::html
