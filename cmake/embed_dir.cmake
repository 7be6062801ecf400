# Turns every file under a folder into one C++ source holding a table of
# `tessera::api::EmbeddedFile{path, bytes}` (path relative to the folder, "/"-separated, sorted),
# named kWebFiles with kWebFileCount entries. Run with cmake -P:
#   cmake -DDIR=web -DOUTPUT=web_files.cpp -P cmake/embed_dir.cmake
# The bytes are written as hex escapes, so any file (text or binary) is safe. Content types are
# not decided here but in src/api/static_files.cpp, which also serves TESSERA_WEB_DIR, so both
# ways of serving a file answer the same type.
if(NOT DIR OR NOT OUTPUT)
  message(FATAL_ERROR "embed_dir.cmake: pass -DDIR=folder -DOUTPUT=file.cpp")
endif()

file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${DIR}" "${DIR}/*")
list(SORT files)

set(arrays "")
set(entries "")
set(index 0)
foreach(rel IN LISTS files)
  # Editor leftovers and hidden files are never served.
  get_filename_component(name "${rel}" NAME)
  if(name MATCHES "^\\." OR name MATCHES "~$")
    continue()
  endif()
  file(READ "${DIR}/${rel}" content HEX)
  string(LENGTH "${content}" hex_len)
  math(EXPR byte_count "${hex_len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
  string(APPEND arrays "const char kFile${index}[] = {${bytes} '\\0'};\n")
  string(APPEND entries "    {\"${rel}\", std::string_view(kFile${index}, ${byte_count})},\n")
  math(EXPR index "${index} + 1")
endforeach()

set(source "// Generated from ${DIR} by cmake/embed_dir.cmake; do not edit.\n")
string(APPEND source "#include \"api/static_files.hpp\"\n\nnamespace tessera::api {\nnamespace {\n")
string(APPEND source "${arrays}")
string(APPEND source "}  // namespace\n\n")
if(index EQUAL 0)
  string(APPEND source "const EmbeddedFile* const kWebFiles = nullptr;\n")
else()
  string(APPEND source "const EmbeddedFile kWebFileTable[] = {\n${entries}};\n")
  string(APPEND source "const EmbeddedFile* const kWebFiles = kWebFileTable;\n")
endif()
string(APPEND source "const std::size_t kWebFileCount = ${index};\n\n}  // namespace tessera::api\n")

file(WRITE "${OUTPUT}" "${source}")
