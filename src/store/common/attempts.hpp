#pragma once
// How both stores run a transaction's body again after a transient failure (a lock held
// elsewhere, a serialisation conflict, a pooled connection the server closed): what one run
// came to, and the bounded loop around the runs. Each backend decides what is transient.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::store {

// One run of a transaction's body, and what the backend made of it.
struct Attempt {
  Result<void> result;
  bool retry = false;  // failed in a way that changed nothing and may pass when run again
  bool pause = true;   // ... after a pause (a conflict), not at once (a dead connection)
};

// Runs `attempt()` until a run needs no retry or `max_attempts` runs asked for one; the last
// failure is then database_unavailable, its reason after `gave_up`. `pause(n)` waits after the
// n-th run when that run asks for a pause.
template <class Run, class Pause>
Result<void> run_attempts(int max_attempts, std::string_view gave_up, Run attempt, Pause pause) {
  for (int n = 1;; ++n) {
    Attempt a = attempt();
    if (!a.retry) return std::move(a.result);
    if (n == max_attempts) {
      Error e = a.result ? make_error(errc::database_unavailable) : std::move(a.result).error();
      e.code = errc::database_unavailable;
      e.reason = std::string(gave_up) + ": " + e.reason;
      return e;
    }
    if (a.pause) pause(n);
  }
}

// Counts a failure the database caused (not a business refusal) in tessera_db_errors_total;
// returns `r` as it was.
Result<void> counted_db_failure(Result<void> r);

}  // namespace tessera::store
