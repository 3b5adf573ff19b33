// Fast pointwise convolution: groups of up to 4 pixels become a 16-bit lane stream, then
// each weight row is unpacked once per group (see detail/gemm.hpp). With 8-bit inputs and
// input_c a multiple of a weight word's value count, the stream is built straight from the
// input pixels.
#include <cstring>

#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/detail/gemm.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/pointwise_convolve.hpp"

namespace mpq::kernels {

namespace {

using namespace detail;

int32_t natural_bytes(const PointwiseParams& p) {
  return row_words(packed_row_bytes(p.input_c, p.weight_bits)) * (32 / p.weight_bits);
}

template <int WB>
void pointwise_groups(const PointwiseParams& p, const uint8_t* input, const uint8_t* weights,
                      const GemmOutput& out, uint32_t* stream, uint8_t* natural,
                      uint8_t* output) {
  const int32_t in_pixel = packed_row_bytes(p.input_c, p.input.bits);
  const int32_t out_pixel = packed_row_bytes(p.output_c, p.output.bits);
  const int32_t row_bytes = packed_row_bytes(p.input_c, p.weight_bits);
  const int32_t words = row_words(row_bytes);
  const bool direct = p.input.bits == 8 && p.input_c % Lanes<WB>::kValues == 0;
  const int64_t pixels = static_cast<int64_t>(p.input_h) * p.input_w;
  for (int64_t first = 0; first < pixels; first += kGemmColumns) {
    const int32_t np = static_cast<int32_t>(pixels - first < kGemmColumns ? pixels - first : kGemmColumns);
    uint8_t* rows[kGemmColumns];
    for (int32_t q = 0; q < np; ++q) {
      const uint8_t* x = input + (first + q) * in_pixel;
      if (direct) {
        scatter_column<WB>(x, words, stream, q, np);
      } else {
        unpack_codes(x, p.input_c, p.input.bits, natural);
        scatter_column<WB>(natural, words, stream, q, np);
      }
      rows[q] = output + (first + q) * out_pixel;
    }
    gemm_columns_n<WB>(np, weights, row_bytes, p.output_c, stream, out, rows);
  }
}

}  // namespace

int32_t pointwise_convolve_fast_get_buffer_size(const PointwiseParams& p) {
  if (pointwise_convolve_check(p) != Status::ok) return 0;
  return (2 * kGemmColumns + 1) * natural_bytes(p);
}

template <int WB>
Status pointwise_convolve_fast_bits(const PointwiseParams& p, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  Status s = first_error(pointwise_convolve_check(p), check_requant(multiplier, shift, p.output_c));
  if (s != Status::ok) return s;
  if (p.weight_bits != WB) return Status::bad_bits;  // only the generic entry dispatches
  s = check_scratch(scratch, scratch_bytes, pointwise_convolve_fast_get_buffer_size(p));
  if (s != Status::ok) return s;

  uint32_t* stream = static_cast<uint32_t*>(scratch);
  uint8_t* natural = static_cast<uint8_t*>(scratch) + 2 * kGemmColumns * natural_bytes(p);
  std::memset(natural, 0, static_cast<size_t>(natural_bytes(p)));
  const GemmOutput out{bias, multiplier, shift, p.output.zero_point, p.output.min,
                       p.output.max, p.output.bits};
  pointwise_groups<WB>(p, input, weights, out, stream, natural, output);
  return Status::ok;
}

template Status pointwise_convolve_fast_bits<8>(const PointwiseParams& p, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output);
template Status pointwise_convolve_fast_bits<4>(const PointwiseParams& p, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output);
template Status pointwise_convolve_fast_bits<2>(const PointwiseParams& p, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output);

Status pointwise_convolve_fast(const PointwiseParams& p, const uint8_t* input,
                               const uint8_t* weights, const int32_t* bias,
                               const int32_t* multiplier, const int32_t* shift, void* scratch,
                               int32_t scratch_bytes, uint8_t* output) {
  switch (p.weight_bits) {
    case 8: return pointwise_convolve_fast_bits<8>(p, input, weights, bias, multiplier, shift, scratch, scratch_bytes, output);
    case 4: return pointwise_convolve_fast_bits<4>(p, input, weights, bias, multiplier, shift, scratch, scratch_bytes, output);
    default: return pointwise_convolve_fast_bits<2>(p, input, weights, bias, multiplier, shift, scratch, scratch_bytes, output);  // other widths: its check refuses them
  }
}

}  // namespace mpq::kernels
