#pragma once
// A QR code as an SVG image, for the otpauth:// URI of a TOTP enrolment (issue 22). The symbol
// is made by libqrencode (Debian's libqrencode-dev: encoding, error correction, masking); this
// file only draws its modules: one path of unit squares on a white square with the four-module
// quiet zone the standard asks for, so it scales to any size without blurring.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tessera::api {

// The SVG document for `text` at error-correction level M; internal_error when the text does
// not fit in a QR code (an otpauth URI is far below the limit).
Result<std::string> qr_svg(std::string_view text);

}  // namespace tessera::api
