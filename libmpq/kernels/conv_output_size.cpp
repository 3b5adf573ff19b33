#include "libmpq/kernels/convolve.hpp"
#include "libmpq/kernels/detail/checks.hpp"

namespace mpq::kernels {

int32_t conv_output_size(int32_t input, int32_t kernel, int32_t stride, int32_t pad_before,
                         int32_t pad_after) {
  if (detail::check_window(input, kernel, stride, pad_before, pad_after) != Status::ok) return 0;
  return static_cast<int32_t>(
      (static_cast<int64_t>(input) + pad_before + pad_after - kernel) / stride + 1);
}

}  // namespace mpq::kernels
