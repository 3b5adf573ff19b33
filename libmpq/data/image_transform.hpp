#pragma once

#include <cstdint>

#include "libmpq/data/image_u8.hpp"
#include "libmpq/data/pixel_normalization.hpp"

namespace mpq {

// The geometric and photometric steps of the image transforms. Each takes and returns
// 8-bit images (rounding to nearest after resampling), so a transformed image is exactly
// what an 8-bit camera pipeline on the device would hand to the network.

// Bilinear resampling with half-pixel centers (pixel i spans [i, i+1)). When shrinking,
// the triangle filter is widened by the scale factor so that every source pixel
// contributes (antialiasing, like PIL's bilinear); when enlarging it is plain bilinear
// interpolation with edge pixels repeated. A constant image stays constant.
// Requires out_h, out_w > 0 and a non-empty source.
ImageU8 resize_bilinear(const ImageU8& src, int64_t out_h, int64_t out_w);

// Resizes so that the shorter side becomes `shorter`, keeping the aspect ratio (the
// longer side is rounded to nearest).
ImageU8 resize_shorter_side(const ImageU8& src, int64_t shorter);

// The h x w window whose top-left corner is (top, left); it must lie inside src.
ImageU8 crop(const ImageU8& src, int64_t top, int64_t left, int64_t h, int64_t w);

// The centered h x w window (offsets rounded down); requires h <= height, w <= width.
ImageU8 center_crop(const ImageU8& src, int64_t h, int64_t w);

void flip_horizontal(ImageU8& image);

// out[i] = (pixel / 255 - mean[c]) / std[c] over the HWC pixels; the normalization has
// one mean/std per channel of the image.
void normalize_image(const ImageU8& image, const PixelNormalization& norm, float* out_hwc);

}  // namespace mpq
