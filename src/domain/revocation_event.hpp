#pragma once
// A durable record that some access tokens must stop working before they expire. Every
// instance (and the CLI) writes one in the same transaction as the change; every instance
// applies them to its in-memory RevocationList (SPEC §3: immediate revocation).
#include <cstdint>
#include <string>

#include "core/clock.hpp"

namespace tessera::domain {

struct RevocationEvent {
  enum class Kind {
    session,  // subject = session id: its access tokens stop
    user,     // subject = user id: tokens with `ver` below `version` stop
  };
  std::int64_t id = 0;  // assigned by the store, increasing
  Kind kind = Kind::session;
  std::string subject;
  std::int64_t version = 0;
  TimePoint created_at{};
  TimePoint expires_at{};  // after this, every token it could stop has expired anyway
};

}  // namespace tessera::domain
