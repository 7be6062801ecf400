#include "api/qr_svg.hpp"

#include <qrencode.h>

#include <memory>

namespace tessera::api {
namespace {

constexpr int kQuietZone = 4;  // modules of white around the symbol (ISO/IEC 18004 §6.3.8)

struct FreeQr {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

}  // namespace

Result<std::string> qr_svg(std::string_view text) {
  // encodeData takes the bytes as they are (8-bit mode), NULs and all; the version (size) is
  // the smallest that holds them.
  std::unique_ptr<QRcode, FreeQr> qr(QRcode_encodeData(
      static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!qr) return make_error(errc::internal_error, "", "qr: the text does not fit in a QR code");
  const int width = qr->width;
  const int size = width + 2 * kQuietZone;
  std::string svg;
  svg.reserve(static_cast<std::size_t>(width) * width * 4);
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(size) + " " +
         std::to_string(size) + "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      // Bit 0 of each byte is the module's colour (1 = dark); the other bits say what part of
      // the symbol it is, which a drawing does not need.
      if ((qr->data[y * width + x] & 1) == 0) continue;
      svg += 'M';
      svg += std::to_string(x + kQuietZone);
      svg += ' ';
      svg += std::to_string(y + kQuietZone);
      svg += "h1v1h-1z";
    }
  }
  svg += "\"/></svg>";
  return svg;
}

}  // namespace tessera::api
