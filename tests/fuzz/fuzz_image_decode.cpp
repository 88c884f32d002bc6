// libFuzzer target: data::decode_image must either decode or throw data_error, never crash.
#include <cstddef>
#include <cstdint>

#include "partrain/data/image_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto img = partrain::data::decode_image({data, size}, "fuzz", std::size_t(1) << 20);
    if (img.pixels.size() != std::size_t(img.height) * img.width * img.channels) __builtin_trap();
  } catch (const partrain::data_error&) {
  }
  return 0;
}
