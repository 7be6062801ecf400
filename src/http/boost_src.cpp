// Asio and Beast are compiled once, here (BOOST_*_SEPARATE_COMPILATION in cmake/warnings.cmake),
// instead of in every file that includes them: much faster builds.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
