#pragma once
// Fixed signing keys for the fuzz targets: made once with `openssl genpkey` for this purpose and
// used nowhere else. Being fixed, the tokens in fuzz/corpus/fuzz_jws stay valid from run to run
// (EdDSA, RS256 and HS256 signatures are deterministic; ES256 ones are not, so for ES256 the
// harness compares signing inputs).
#include <memory>
#include <string_view>
#include <vector>

#include "crypto/key_set.hpp"
#include "crypto/signing_key.hpp"

namespace tessera::fuzz {

inline constexpr std::string_view kEd25519Pem = R"PEM(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIHaSGrp3dgB+tzCAzX4OD6bLk1TSQE0E47N7SsSXhl8O
-----END PRIVATE KEY-----
)PEM";

inline constexpr std::string_view kP256Pem = R"PEM(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7KCqB4Mu5TYU8kti
QX2iNXtiX0RAy5k78iC99mQF//qhRANCAATDUKJYhuPbZlUGTRHGKnE8ZwfQn760
kUlWp+jt+rD/Yf+JWnDJHbWabdKCylI2w7Xn8VZFFhx8vOp6yWTeHmOF
-----END PRIVATE KEY-----
)PEM";

inline constexpr std::string_view kRsaPem = R"PEM(-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCvV5Ccxvotqrld
Q1Sx6at+OMqIM7tN/bitH3okbe16M/fnsS+aIR67+f9IOrfDviKARCcKiX6Leosb
ugoMbMAFSTgvxDdRD/VwMpL33oP4EM3Tt83gf+i3b3ApM/fzXgllKpK255EgFWKw
rL6Sp5e5RDDsY0LBTvdbEHfqRns7jAD8+oue83JO8VI1QEFz7j4dFSeyCKea1MJr
wo2zAg2deJPitCA4g0XOMMW958fOhHAAqMbBvPkpKWrF8L6zH9xvPfXtjIkD3adq
gXog/Y3fyjR8Uhg83U+rj1pmQzZKV5/Gje8BYg63PTyvbSJl83tAGxlnjFrIKO2G
N0S3v9z3AgMBAAECggEAA7tZNGpXDxttQuBjeuk5FqsjwwlYKQfyOHENOvLsqnyq
VTqOrk5FJrANRbQbjtAgUNrieoAZpY36oaDwhM+DDg8UYePgX4UiQ/yM5zdLrL8Y
JQjqRKcZmgnbo8Iw5Ujw6ep24UCwHzQv+7L5grU2w/aBFLmPb/4mbUA+T8n8kR8C
d1wro4d7IZmj23nKhyurS7S0KQGtkweXqq/s7H10xeRnl4ORScE8Z/VK2GT+8GTv
+BLb6u1eJA8wpxc8mk1eZhxszjcihtTswchwwdHxFYHa/+gi/uGhCg+WoR17iniH
Zh3VE3Ooui4GIbCk/bPAMxvVE83YLqwunIe1v0Bw8QKBgQDq3hnhlBuN5IB4Q/pl
QGC0MH0kD3S8iuTDkthLYa/CkeXr7R2U0UuFtlBdlNvYkGMteO/N4wYolkHteAJS
1IoJEdrSY5yDgIIwWlrKvQO66z0f8e0n6ZZG2nzLQAab+xIywFxV3DwQcFHewL35
5n7ekfgDccUIWsGGp7eoe9ws8QKBgQC/Hlzyp573lIrznbT1gW1Vq59pJvdo3huc
LUNIksYGRzg1BUBCLMnIn2FgO+sscOZe0rKE+gIkpWFowhkuEofe5ozogbhV6EeQ
32rE4J7W0aElOYW3s5w1gMiHfs1aLEO0ykIFEommdGuhhon1kIqAUcCOBxs69mBI
m7Gx5eZIZwKBgQCYwNsUW7+QCY2EqrGwKK68gszhJyxFdBBVIqyKWn51jW58gzs6
DuWPkYOzWZ2ivEXEzWMqBP18aD14tRTNym38eCBZtW+WF36U9C8YrNZAO78Fh9M2
ojWa339KsdmamTC80V88eICYMHUO60yju8XH/CfSFayQQnabnXlVmzkYAQKBgQCn
Vkh/1jAkCpWXNJCLHSXECx7qjMm3sjFuj1sIIirsuFMIaW6YAmszFAnInu4M3VV3
1Pel4tkZiQw/EyPE6Ui57BeYRGxIG7b9rADqHNo2sRltZG4mKEcvuXDa4jWfLH6j
vywLEO4hJnJO3WPR9Rqvu+Ti9mnrOGmZaWkuoGL/JQKBgA5BPvD6bxe2c860sNc0
wb46ZOWtp3HrOS2zgT26iXYvsb9SPOFRjK2ppx6NjZ6A9EuCcHHNoB9QE21FK0Ux
KzpPhqrNI9i5RFlk6NvQNrT82bRrwUtO2PIf1wEQlAHGqxMwRf6kksfiWqD/WgPs
55sTLFKUSIo81UO6BBKqYhlo
-----END PRIVATE KEY-----
)PEM";

inline constexpr std::string_view kHmacSecret = "fuzz-only-hs256-secret-0123456789abcdef";

// One key per algorithm, in the order of crypto::Alg, kids "fz-ed", "fz-ec", "fz-rs", "fz-hs".
inline const std::vector<std::shared_ptr<const crypto::SigningKey>>& fixed_keys() {
  static const auto keys = [] {
    std::vector<std::shared_ptr<const crypto::SigningKey>> k;
    k.push_back(*crypto::SigningKey::from_private_pem(crypto::Alg::EdDSA, "fz-ed", kEd25519Pem));
    k.push_back(*crypto::SigningKey::from_private_pem(crypto::Alg::ES256, "fz-ec", kP256Pem));
    k.push_back(*crypto::SigningKey::from_private_pem(crypto::Alg::RS256, "fz-rs", kRsaPem));
    k.push_back(*crypto::SigningKey::from_secret("fz-hs", kHmacSecret));
    return k;
  }();
  return keys;
}

inline crypto::KeySet fixed_key_set() {
  crypto::KeySet set;
  for (const auto& k : fixed_keys()) {
    if (!set.add(k)) __builtin_trap();
  }
  return set;
}

}  // namespace tessera::fuzz
