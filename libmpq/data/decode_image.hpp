#pragma once

#include <cstdint>
#include <string>

#include "libmpq/data/image_u8.hpp"

namespace mpq {

// The most pixels decode_image_file decodes unless told otherwise: 8192 x 8192, far above
// any training or evaluation image, while a few header bytes can promise 2^31 bytes of
// pixels (a 63-byte BMP of 7 x 16,777,211 pixels took 350 MB and seconds to decode).
constexpr int64_t kMaxImagePixels = int64_t{1} << 26;

// Decodes a PNG, JPEG, BMP (or any other format stb_image knows) into `channels`
// channels (1 = grey, 3 = RGB; stb converts). Thread-safe. Throws Error naming the file
// when it cannot be read or decoded, or when its header promises more than `max_pixels`
// pixels (checked before decoding).
ImageU8 decode_image_file(const std::string& path, int channels, int64_t max_pixels = kMaxImagePixels);

}  // namespace mpq
