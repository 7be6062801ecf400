#pragma once
// The domain's counters at GET /metrics: logins and refreshes by outcome, access tokens refused
// by reason. Names and label values live here, in one place.
#include <string_view>

namespace tessera::domain::metrics {

// outcome: success, invalid_credentials, account_disabled, email_not_verified, invalid_request
void count_login(std::string_view outcome);
// outcome: rotated, replayed (grace), reused (theft detected), invalid, account_disabled
void count_refresh(std::string_view outcome);
// reason: the verification step that failed (expired, bad_signature, revoked, ...)
void count_token_rejected(std::string_view reason);

}  // namespace tessera::domain::metrics
