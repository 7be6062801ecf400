#pragma once
#include <string_view>

namespace tessera::http {

enum class Method { get, head, post, put, patch, delete_, options, other };

std::string_view to_string(Method m);
Method parse_method(std::string_view s);

}  // namespace tessera::http
