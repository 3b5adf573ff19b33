// Fast fully connected layer: the input vector becomes a 16-bit lane stream once, then two
// weight rows at a time are unpacked and multiplied against it (each stream load serves
// both rows; see detail/gemm.hpp).
#include <cstring>

#include "libmpq/kernels/detail/checks.hpp"
#include "libmpq/kernels/detail/gemm.hpp"
#include "libmpq/kernels/fully_connected.hpp"
#include "libmpq/kernels/packing.hpp"

namespace mpq::kernels {

namespace {

using namespace detail;

int32_t natural_bytes(const FullyConnectedParams& p) {
  return row_words(packed_row_bytes(p.input_c, p.weight_bits)) * (32 / p.weight_bits);
}

template <int WB>
void fully_connected_rows(const FullyConnectedParams& p, const uint8_t* input,
                          const uint8_t* weights, const GemmOutput& out, uint32_t* stream,
                          uint8_t* natural, uint8_t* output) {
  const int32_t row_bytes = packed_row_bytes(p.input_c, p.weight_bits);
  const int32_t words = row_words(row_bytes);
  if (p.input.bits == 8 && p.input_c % Lanes<WB>::kValues == 0) {
    scatter_column<WB>(input, words, stream, 0, 1);
  } else {
    unpack_codes(input, p.input_c, p.input.bits, natural);
    scatter_column<WB>(natural, words, stream, 0, 1);
  }
  const GemmOutput local = out;  // not aliased by the output stores
  int32_t o = 0;
  // Two rows share each stream load; with sub-byte weights their unpacking needs the
  // registers more, so those go one row at a time.
  for (; WB == 8 && o + 2 <= p.output_c; o += 2) {
    int32_t acc[2][1] = {};
    dot_rows<WB, 2, 1>(weights + static_cast<int64_t>(o) * row_bytes, row_bytes, stream, acc);
    for (int32_t k = 0; k < 2; ++k) {
      put_code(output, o + k, local.bits, local.channel(o + k).code(acc[k][0] >> Lanes<WB>::kScaleShift));
    }
  }
  for (; o < p.output_c; ++o) {
    int32_t acc[1][1] = {};
    dot_rows<WB, 1, 1>(weights + static_cast<int64_t>(o) * row_bytes, row_bytes, stream, acc);
    put_code(output, o, local.bits, local.channel(o).code(acc[0][0] >> Lanes<WB>::kScaleShift));
  }
}

}  // namespace

int32_t fully_connected_fast_get_buffer_size(const FullyConnectedParams& p) {
  if (fully_connected_check(p) != Status::ok) return 0;
  return 3 * natural_bytes(p);  // a one-column stream (2 bytes per value) + natural bytes
}

Status fully_connected_fast(const FullyConnectedParams& p, const uint8_t* input,
                            const uint8_t* weights, const int32_t* bias,
                            const int32_t* multiplier, const int32_t* shift, void* scratch,
                            int32_t scratch_bytes, uint8_t* output) {
  if (input == nullptr || weights == nullptr || output == nullptr) return Status::null_pointer;
  Status s = first_error(fully_connected_check(p), check_requant(multiplier, shift, p.output_c));
  if (s != Status::ok) return s;
  s = check_scratch(scratch, scratch_bytes, fully_connected_fast_get_buffer_size(p));
  if (s != Status::ok) return s;

  uint32_t* stream = static_cast<uint32_t*>(scratch);
  uint8_t* natural = static_cast<uint8_t*>(scratch) + 2 * natural_bytes(p);
  std::memset(natural, 0, static_cast<size_t>(natural_bytes(p)));
  std::memset(output, 0, static_cast<size_t>(packed_row_bytes(p.output_c, p.output.bits)));
  const GemmOutput out{bias, multiplier, shift, p.output.zero_point, p.output.min,
                       p.output.max, p.output.bits};
  switch (p.weight_bits) {
    case 8: fully_connected_rows<8>(p, input, weights, out, stream, natural, output); break;
    case 4: fully_connected_rows<4>(p, input, weights, out, stream, natural, output); break;
    default: fully_connected_rows<2>(p, input, weights, out, stream, natural, output); break;
  }
  return Status::ok;
}

}  // namespace mpq::kernels
