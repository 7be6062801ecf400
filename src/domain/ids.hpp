#pragma once
#include "core/ids.hpp"

namespace tessera::domain {

using UserId = StrongId<struct UserIdTag>;
using SessionId = StrongId<struct SessionIdTag>;

}  // namespace tessera::domain
