#include "libmpq/runtime/model_output.hpp"

#include "libmpq/kernels/packing.hpp"

namespace mpq::rt {

Status unpack_output(const ModelView& m, const void* arena, int32_t* codes, uint32_t count) {
  if (arena == nullptr || codes == nullptr || count < m.classes) return Status::bad_argument;
  const uint8_t* packed = static_cast<const uint8_t*>(arena) + m.output_offset;
  for (uint32_t k = 0; k < m.classes; ++k)
    codes[k] = static_cast<int32_t>(kernels::get_unsigned(packed, static_cast<int32_t>(k), m.output_bits));
  return Status::ok;
}

Status dequantize_output(const ModelView& m, const int32_t* codes, float* values, uint32_t count) {
  if (codes == nullptr || values == nullptr || count < m.classes) return Status::bad_argument;
  for (uint32_t k = 0; k < m.classes; ++k)
    values[k] = m.output_scale * static_cast<float>(codes[k] - m.output_zero_point);
  return Status::ok;
}

}  // namespace mpq::rt
