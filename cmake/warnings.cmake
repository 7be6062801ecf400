add_library(tessera_options INTERFACE)
target_compile_options(tessera_options INTERFACE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
target_compile_definitions(tessera_options INTERFACE
  # Asio and Beast are compiled once (src/http/boost_src.cpp), not in every file that uses them.
  BOOST_ASIO_SEPARATE_COMPILATION
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED)
# The CI builds make every warning an error (CMAKE_COMPILE_WARNING_AS_ERROR in CMakePresets.json).
# Two of GCC 12's flow warnings fire only inside Boost at -O2 (the asan build) and are false there:
# -Wmismatched-new-delete on Asio's coroutine frames, which pair their own operator new and delete,
# and -Wmaybe-uninitialized on Beast's parser reading a boost::optional it has just tested. They
# stay warnings, shown in the log, rather than errors.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(tessera_options INTERFACE -Wno-error=mismatched-new-delete -Wno-error=maybe-uninitialized)
endif()
if(TESSERA_SANITIZE)
  target_compile_options(tessera_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(tessera_options INTERFACE -fsanitize=address,undefined)
endif()
if(TESSERA_FUZZ)
  target_compile_options(tessera_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(tessera_options INTERFACE -fsanitize=address,undefined)
endif()
# clang 14 cannot emit -fsanitize=function's prologue data for split coroutines ("error: Cannot
# represent a difference across sections", llvm-project#49689), and Tessera's HTTP layer is
# coroutines; that one check (calls through a mistyped function pointer) is left out.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND (TESSERA_FUZZ OR TESSERA_SANITIZE))
  target_compile_options(tessera_options INTERFACE -fno-sanitize=function)
endif()

# tessera_layer(TARGET DIR [FORBID ...]): a library for one layer of src/. The FORBID list names
# headers the layer must never include; cmake/forbidden/ holds a file for each that stops the
# build with #error, and it is searched before the system include path.
function(tessera_layer target dir)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*.cpp)
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC tessera_options)
endfunction()
