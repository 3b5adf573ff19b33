// One stream column of the fast convolution's 4-bit-input, 2-bit-weight path (see
// convolve_fast.cpp), in a file of its own: a separate translation unit keeps it out of
// line, one copy shared by every instantiation that calls it.
#pragma once

#include <cstdint>

#include "libmpq/kernels/convolve.hpp"

namespace mpq::kernels::detail {

// 4-bit input, 2-bit weights, input_c a multiple of 16: column q of the stream straight
// from the packed input pixels of the window at (y0, x0), no natural bytes. A weight word
// holds channels c..c+15 of a tap; its lane pair k is ({k, k+8}, {k+4, k+12}), and with the
// 16 channels as two input words a (channels 0-7, one per nibble) and b (8-15),
// lo = (a.lo, b.lo) holds channels 0-3 and 8-11 and hi = (a.hi, b.hi) 4-7 and 12-15 at the
// same nibble of each half: the pair is ((lo >> 4k) & m, (hi >> 4k) & m), m = 0x000F000F.
// Padding taps are the zero point in every lane. in_pixel: bytes of one packed input pixel.
void stream_column_x4_w2(const ConvParams& p, int32_t in_pixel, const uint8_t* input, int32_t y0, int32_t x0,
                         uint32_t* stream, int32_t q);

}  // namespace mpq::kernels::detail
