// Raw 8-bit pixels to the network's 8-bit input codes through the blob's per-channel
// tables: the whole image into buffer 0 (run_model), or one window of a streamed input in
// place (run_patch_stage), so that both give the same codes.
#pragma once

#include <cstdint>

#include "libmpq/runtime/blob_format.hpp"

namespace mpq::rt::detail {

// `pixels` HWC pixels of `channels` bytes: value i (channel i % channels) becomes
// lut[channel][raw[i]]. `codes` may be `raw` (each value is read before it is written).
inline void encode_input(const uint8_t* lut, uint32_t channels, uint32_t pixels, const uint8_t* raw, uint8_t* codes) {
  for (uint32_t p = 0; p < pixels; ++p) {
    for (uint32_t c = 0; c < channels; ++c) {
      const uint32_t i = p * channels + c;
      codes[i] = lut[c * blob::kInputLutBytesPerChannel + raw[i]];
    }
  }
}

}  // namespace mpq::rt::detail
