#include "libmpq/runtime/kernel_table.hpp"

#include "libmpq/runtime/blob_format.hpp"

namespace mpq::rt {

static_assert(MPQ_FW_OP_KERNEL_COUNT == kOpKernelCount, "one MPQ_FW_OP_ per OpKernel");
static_assert(MPQ_FW_OP_CONVOLVE == static_cast<int>(OpKernel::convolve) &&
                  MPQ_FW_OP_POINTWISE_CONVOLVE == static_cast<int>(OpKernel::pointwise_convolve) &&
                  MPQ_FW_OP_DEPTHWISE_CONVOLVE == static_cast<int>(OpKernel::depthwise_convolve) &&
                  MPQ_FW_OP_FULLY_CONNECTED == static_cast<int>(OpKernel::fully_connected) &&
                  MPQ_FW_OP_RESIDUAL_ADD == static_cast<int>(OpKernel::residual_add) &&
                  MPQ_FW_OP_GLOBAL_AVERAGE_POOL == static_cast<int>(OpKernel::global_average_pool) &&
                  MPQ_FW_OP_MAX_POOL == static_cast<int>(OpKernel::max_pool) &&
                  MPQ_FW_OP_AVERAGE_POOL == static_cast<int>(OpKernel::average_pool),
              "MPQ_FW_OP_ values are OpKernel's");

OpVariant op_variant(const OpRecord& op) {
  OpVariant v;
  v.kernel = op_kernel(op);
  v.input_bits = op.input_bits;
  v.weight_bits = op_has_weights(op.kind) ? op.weight_bits : op.kind == blob::op_kind::add ? op.input2_bits : 0;
  v.output_bits = op.output_bits;
  return v;
}

namespace {

// An entry's four leading bytes as one word: run_model looks a variant up per op and run,
// and one compare per entry keeps the scan of the 150 entries of all_kernels() under
// 0.5% of an inference.
uint32_t variant_word(uint8_t kernel, uint8_t input_bits, uint8_t weight_bits, uint8_t output_bits) {
  return kernel | static_cast<uint32_t>(input_bits) << 8 | static_cast<uint32_t>(weight_bits) << 16 |
         static_cast<uint32_t>(output_bits) << 24;
}

}  // namespace

const mpq_fw_kernel* find_kernel(const KernelTable& table, const OpVariant& v) {
  const uint32_t want = variant_word(static_cast<uint8_t>(v.kernel), v.input_bits, v.weight_bits, v.output_bits);
  for (uint32_t k = 0; table.kernels != nullptr && k < table.count; ++k) {
    const mpq_fw_kernel& e = table.kernels[k];
    if (variant_word(e.op_kernel, e.input_bits, e.weight_bits, e.output_bits) == want && e.fast != nullptr) return &e;
  }
  return nullptr;
}

char* op_variant_name(const OpVariant& v, char* out, uint32_t bytes) {
  if (out == nullptr || bytes == 0) return out;
  uint32_t n = 0;
  auto put = [&](char c) {
    if (n + 1 < bytes) out[n++] = c;
  };
  for (const char* s = op_kernel_name(v.kernel); *s != '\0'; ++s) put(*s);
  const char tags[] = {'i', 'w', 'o'};
  const uint8_t bits[] = {v.input_bits, v.weight_bits, v.output_bits};
  for (int k = 0; k < 3; ++k) {
    put('_');
    put(tags[k]);
    put(static_cast<char>('0' + bits[k] % 10));  // widths are 0, 2, 4 or 8
  }
  out[n] = '\0';
  return out;
}

}  // namespace mpq::rt
