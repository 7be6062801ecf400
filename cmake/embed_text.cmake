# Turns a text file into a C++ source defining `extern const std::string_view SYMBOL` in
# NAMESPACE. Run with cmake -P; the content is written as hex bytes, so any text is safe.
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_len)
math(EXPR byte_count "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by cmake/embed_text.cmake; do not edit.\n#include <string_view>\nnamespace ${NAMESPACE} {\nnamespace { const char kBytes[] = {${bytes} '\\0'}; }\nextern const std::string_view ${SYMBOL};\nconst std::string_view ${SYMBOL}(kBytes, ${byte_count});\n}\n")
