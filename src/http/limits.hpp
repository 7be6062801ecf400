#pragma once
// Every limit on what a client may send, in one place (DESIGN rule 7). The configurable ones
// have their defaults in config/config.hpp; these are the fixed ones, each with why.
#include <chrono>
#include <cstddef>

namespace tessera::http {

// Longest request target (path + query) we route. Real routes are short; a verification
// link's query carries a 43-character token.
inline constexpr std::size_t kMaxTargetBytes = 2048;

// First read on an idle keep-alive connection: enough for a typical whole request.
inline constexpr std::size_t kFirstReadBytes = 4096;

// Longest X-Request-Id we echo back from a client or proxy; longer ones are replaced.
inline constexpr std::size_t kMaxRequestIdBytes = 64;

// Requests served on one connection before we ask the client to reconnect, so one client
// cannot pin a connection (and its memory) forever.
inline constexpr int kMaxRequestsPerConnection = 100000;

// After answering a request we refuse before reading all of it (431, 413, 400), what the client
// still sends is read and dropped for a while before closing, so it sees the answer rather than
// a connection reset: for at most this long, this many bytes, in reads of this size.
inline constexpr std::chrono::seconds kDiscardTime{1};
inline constexpr std::size_t kMaxDiscardBytes = 1024 * 1024;
inline constexpr std::size_t kDiscardReadBytes = 16 * 1024;

}  // namespace tessera::http
