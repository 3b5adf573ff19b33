#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/runtime/model_view.hpp"

namespace mpq {

// A model blob loaded on the host with the freestanding runtime (the very code the
// firmware runs): owns an aligned copy of the blob, validates it once, and runs raw
// 8-bit HWC images with an arena of its own per call.
class IntegerModel {
 public:
  // Throws Error naming `what` and the runtime's status (and op) when the blob is invalid.
  IntegerModel(const std::vector<uint8_t>& blob, const std::string& what);
  static IntegerModel load(const std::string& path);

  // Output codes (one per class) of one image of input_h x input_w x input_c raw pixels.
  // Thread-safe: each call uses its own arena. reference = run the reference kernels. A
  // blob that streams its input reads the image window by window through run_model's
  // InputStream, as a device would read its camera.
  std::vector<int32_t> run(const uint8_t* image, bool reference = false) const;
  std::vector<float> dequantize(const std::vector<int32_t>& codes) const;

  const rt::ModelView& view() const { return view_; }
  uint32_t blob_bytes() const { return view_.blob_bytes; }
  uint32_t arena_bytes() const { return view_.arena_bytes; }

 private:
  std::vector<uint32_t> storage_;  // the blob, 4-byte aligned
  std::string what_;
  rt::ModelView view_;
};

// The raw pixel a normalized input value came from: round((x * std + mean) * 255).
uint8_t pixel_from_normalized(float x, float mean, float std);

}  // namespace mpq
