#include "libmpq/kernels/status.hpp"

namespace mpq::kernels {

namespace {
constexpr const char* kNames[] = {
    "ok",        "null_pointer",   "bad_bits",       "bad_shape", "bad_kernel",     "bad_stride",
    "bad_padding", "bad_zero_point", "bad_clamp", "bad_multiplier", "too_deep",   "bad_scratch",
    "bad_value",
};
static_assert(sizeof(kNames) / sizeof(kNames[0]) == kStatusCount,
              "every Status needs a name");
static_assert(static_cast<int32_t>(Status::bad_value) == kStatusCount - 1,
              "kStatusCount must follow the last Status");
}  // namespace

const char* status_name(Status status) {
  const int32_t i = static_cast<int32_t>(status);
  return (i >= 0 && i < kStatusCount) ? kNames[i] : "unknown";
}

}  // namespace mpq::kernels
