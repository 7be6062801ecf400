#pragma once
// Applies the progressive slow-down (login_throttle.hpp): after `free_failures` failed attempts
// in a row, the next attempt must wait first_delay, and each further failure doubles the wait
// (2×, 4×, ...) up to max_delay. A run is forgotten after `forget_after` without failures, or
// by a success.
#include <chrono>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "domain/store.hpp"

namespace tessera::domain {

struct SlowdownPolicy {
  bool enabled = true;
  int free_failures = 5;
  std::chrono::seconds first_delay{1};
  std::chrono::seconds max_delay{60};
  std::chrono::seconds forget_after{15 * 60};
};

class LoginSlowdown {
 public:
  LoginSlowdown(Store& store, SlowdownPolicy policy, const Clock& clock);

  // The key for a login identifier (normalised when it can be, lower-cased otherwise).
  static std::string key_for(std::string_view normalized_identifier);
  // Before any password work, in one write transaction: errc::rate_limited with Retry-After
  // while the key must wait; otherwise the attempt is counted as a failure in advance and sets
  // the next allowed time. Counting first (not after the hash) means a burst of concurrent
  // attempts, on one instance or several, cannot all pass the check before the first of them
  // is counted. A right password then ends the run: succeeded() or password_proved().
  Result<void> check(std::string_view key);
  // Inside the successful login's transaction: the run is over.
  Result<void> succeeded(ThrottleRecords& tx, std::string_view key);
  // The password was right but the login is refused for another reason (disabled, email not
  // verified): the run is over all the same. A failure to write is logged, not returned.
  void password_proved(std::string_view key);

  // The wait imposed after `failures` failures in a row.
  std::chrono::seconds delay_after(int failures) const;

 private:
  Store& store_;
  SlowdownPolicy policy_;
  const Clock& clock_;
};

}  // namespace tessera::domain
