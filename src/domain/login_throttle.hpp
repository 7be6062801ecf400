#pragma once
// The progressive slow-down of logins for one account (SPEC §4): after a run of failed
// attempts, each further attempt must wait a growing delay (capped, so an attacker can slow an
// account down but never lock its owner out). Kept in the database so it holds across
// instances and restarts. Keyed by the login identifier as typed (normalised, hashed), not by
// the account, so unknown addresses slow down exactly like known ones and the 429 reveals
// nothing about which exist.
#include <chrono>
#include <string>

#include "core/clock.hpp"

namespace tessera::domain {

struct LoginThrottle {
  std::string key;   // SHA-256 of the normalised identifier (32 raw bytes)
  int failures = 0;  // failed attempts in the current run
  TimePoint last_failure_at{};
  TimePoint next_attempt_at{};  // an attempt before this is refused (429) without a hash
};

}  // namespace tessera::domain
