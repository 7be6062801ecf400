// The placeholders of the hosted pages (api/page_template.hpp): values are escaped, unknown
// names wait for the request's values, and every page compiled in uses only names the server
// fills in, so no page can show a raw {{...}}.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/page_template.hpp"
#include "api/static_files.hpp"

namespace tessera::api {
namespace {

TEST(PageTemplate, FillsKnownNamesEscapedAndLeavesOthersForLater) {
  const PageValue values[] = {{"product", "Acme & <Co>"}, {"token", "a\"b'c"}};
  EXPECT_EQ(fill_placeholders("<b>{{product}}</b> <input value=\"{{token}}\"> {{message}}", values),
            "<b>Acme &amp; &lt;Co&gt;</b> <input value=\"a&quot;b&#39;c\"> {{message}}");
  EXPECT_EQ(fill_placeholders("no placeholders", values), "no placeholders");
  EXPECT_EQ(fill_placeholders("an open {{product without end", values), "an open {{product without end");
  EXPECT_EQ(fill_placeholders("{{}} {{product}}{{product}}", values),
            "{{}} Acme &amp; &lt;Co&gt;Acme &amp; &lt;Co&gt;");
}

TEST(PageTemplate, TheSiteValuesComeFromTheSettingsAndTheDomainLimits) {
  WebSettings web;
  web.product_name = "Acme";
  web.password_min_length = 12;
  std::string filled = fill_placeholders("{{product}} {{password_min}} {{password_max}} {{email_max}} {{username_max}}",
                                         site_page_values(web));
  EXPECT_EQ(filled, "Acme 12 256 254 64");
}

TEST(PageTemplate, EveryEmbeddedPageUsesOnlyNamesTheServerFillsIn) {
  std::set<std::string> known;
  for (const auto& v : site_page_values(WebSettings{})) known.emplace(v.name);
  known.insert({"token", "message"});  // the rendered pages' own (static_files.hpp, rendered::)
  std::set<std::string> files;
  for (std::size_t i = 0; i < kWebFileCount; ++i) {
    const std::string_view path = kWebFiles[i].path;
    files.emplace(path);
    if (!path.ends_with(".html")) continue;
    const std::string_view text = kWebFiles[i].bytes;
    for (auto open = text.find("{{"); open != std::string_view::npos; open = text.find("{{", open + 2)) {
      const auto close = text.find("}}", open);
      ASSERT_NE(close, std::string_view::npos) << path;
      EXPECT_TRUE(known.contains(std::string(text.substr(open + 2, close - open - 2))))
          << path << ": " << text.substr(open, close + 2 - open);
    }
  }
  for (const auto name : rendered::kAll) EXPECT_TRUE(files.contains(std::string(name))) << name;
}

}  // namespace
}  // namespace tessera::api
