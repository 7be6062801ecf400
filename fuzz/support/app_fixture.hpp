#pragma once
// The real object graph (app::build_runtime) over a throwaway SQLite database, for the fuzz
// targets that need the domain: fuzz_headers (Bearer authentication) and fuzz_http (the whole
// request path). Built once per process in a fresh directory under $TMPDIR (removed at exit),
// with the cheapest Argon2 cost the configuration allows, rate limits off (their windows and
// slow-downs would make an input's outcome depend on the inputs before it) and logs at "error".
//
// It holds one ordinary user and one admin, both verified, and valid tokens for them, which an
// input names by placeholder (substitute()): the fuzzer cannot forge a signature, so without
// real tokens it would never get past a guard. An input may log them out, change their password
// or delete them; refresh() then makes new accounts and tokens before the next input.
// Placeholders belong in headers: a body's Content-Length would no longer match. For logins in
// a body there is a fixed account, kLoginEmail / kLoginUsername with kPassword, that no input can
// spoil (changing or resetting its password needs a token or mail the fuzzer never sees).
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "app/runtime.hpp"
#include "config/config.hpp"

namespace tessera::fuzz {

inline constexpr std::string_view kUserTokenMark = "@TOKEN@";                   // the user's access token
inline constexpr std::string_view kAdminTokenMark = "@ADMIN@";                  // the admin's access token
inline constexpr std::string_view kRefreshTokenMark = "@REFRESH@";              // the user's refresh token
inline constexpr std::string_view kPassword = "fuzz-Correct-Horse-Battery-91";  // every fixture account's
inline constexpr std::string_view kLoginEmail = "login@fuzz.test";
inline constexpr std::string_view kLoginUsername = "fuzzlogin";

struct App {
  std::string dir;  // the temporary directory holding the database
  config::Config config;
  std::unique_ptr<app::Runtime> rt;

  std::string user_token;
  std::string refresh_token;
  std::string admin_token;
  // Every account the fixture made: the only principals a request may ever be authenticated as.
  std::set<std::string> user_ids;

  // Makes new accounts and tokens when an input spoiled the current ones (logged out, password
  // changed, disabled, deleted, roles removed). Call before each input.
  void refresh();
  // `input` with every placeholder above replaced by the current value.
  std::string substitute(std::string_view input) const;
  // The settings a fuzz target uses, as environment variables (the database is added).
  static std::map<std::string, std::string> environment();
  // Makes a verified account (an admin when `admin`) and logs it in for the tokens above.
  void make_user(bool admin);

 private:
  int generation_ = 0;
};

// The process's fixture, built on first use; aborts when it cannot be built.
App& app();

}  // namespace tessera::fuzz
