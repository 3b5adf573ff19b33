#pragma once

#include <string>

#include "libmpq/data/image_u8.hpp"

namespace mpq {

// Decodes a PNG, JPEG, BMP (or any other format stb_image knows) into `channels`
// channels (1 = grey, 3 = RGB; stb converts). Thread-safe. Throws Error naming the file
// when it cannot be read or decoded.
ImageU8 decode_image_file(const std::string& path, int channels);

}  // namespace mpq
