#include "libmpq/kernels/packing.hpp"

#include <climits>
#include <cstring>

namespace mpq::kernels {

namespace {

// rows * row_bytes, or 0 when an argument is invalid or the product exceeds INT32_MAX.
int32_t rows_times(int64_t rows, int32_t count, int32_t bits) {
  const int32_t row = packed_row_bytes(count, bits);
  if (row == 0 || rows < 1) return 0;
  const int64_t total = rows * row;
  return total <= INT32_MAX ? static_cast<int32_t>(total) : 0;
}

// Product of dimensions that are all >= 1, saturated above INT32_MAX; 0 if any is < 1.
int64_t dims(int64_t a, int64_t b, int64_t c = 1) {
  if (a < 1 || b < 1 || c < 1) return 0;
  const int64_t ab = a * b;  // both <= INT32_MAX: no overflow
  if (ab > INT32_MAX) return int64_t{INT32_MAX} + 1;
  const int64_t abc = ab * c;
  return abc > INT32_MAX ? int64_t{INT32_MAX} + 1 : abc;
}

Status check_rows(const void* in, int32_t rows, int32_t count, int32_t bits, const void* out) {
  if (in == nullptr || out == nullptr) return Status::null_pointer;
  if (!is_valid_bits(bits)) return Status::bad_bits;
  if (rows_times(rows, count, bits) == 0) return Status::bad_shape;
  return Status::ok;
}

}  // namespace

int32_t activation_bytes(int32_t h, int32_t w, int32_t c, int32_t bits) {
  return rows_times(dims(h, w), c, bits);
}

int32_t conv_weight_bytes(int32_t out_channels, int32_t kernel_h, int32_t kernel_w,
                          int32_t in_channels, int32_t bits) {
  return rows_times(dims(out_channels, kernel_h, kernel_w), in_channels, bits);
}

int32_t depthwise_weight_bytes(int32_t kernel_h, int32_t kernel_w, int32_t channels,
                               int32_t bits) {
  return rows_times(dims(kernel_h, kernel_w), channels, bits);
}

int32_t fully_connected_weight_bytes(int32_t out_features, int32_t in_features, int32_t bits) {
  return rows_times(dims(out_features, 1), in_features, bits);
}

Status pack_unsigned_rows(const uint8_t* codes, int32_t rows, int32_t count, int32_t bits,
                          uint8_t* packed) {
  const Status s = check_rows(codes, rows, count, bits, packed);
  if (s != Status::ok) return s;
  const int32_t row_bytes = packed_row_bytes(count, bits);
  const uint32_t limit = 1u << bits;
  for (int32_t r = 0; r < rows; ++r) {
    uint8_t* row = packed + static_cast<int64_t>(r) * row_bytes;
    std::memset(row, 0, static_cast<size_t>(row_bytes));
    const uint8_t* in = codes + static_cast<int64_t>(r) * count;
    for (int32_t i = 0; i < count; ++i) {
      if (in[i] >= limit) return Status::bad_value;
      set_unsigned(row, i, bits, in[i]);
    }
  }
  return Status::ok;
}

Status pack_signed_rows(const int8_t* values, int32_t rows, int32_t count, int32_t bits,
                        uint8_t* packed) {
  const Status s = check_rows(values, rows, count, bits, packed);
  if (s != Status::ok) return s;
  const int32_t row_bytes = packed_row_bytes(count, bits);
  const int32_t lo = -(1 << (bits - 1));
  const int32_t hi = (1 << (bits - 1)) - 1;
  for (int32_t r = 0; r < rows; ++r) {
    uint8_t* row = packed + static_cast<int64_t>(r) * row_bytes;
    std::memset(row, 0, static_cast<size_t>(row_bytes));
    const int8_t* in = values + static_cast<int64_t>(r) * count;
    for (int32_t i = 0; i < count; ++i) {
      if (in[i] < lo || in[i] > hi) return Status::bad_value;
      set_unsigned(row, i, bits, static_cast<uint32_t>(static_cast<int32_t>(in[i])));
    }
  }
  return Status::ok;
}

Status unpack_unsigned_rows(const uint8_t* packed, int32_t rows, int32_t count, int32_t bits,
                            uint8_t* codes) {
  const Status s = check_rows(packed, rows, count, bits, codes);
  if (s != Status::ok) return s;
  const int32_t row_bytes = packed_row_bytes(count, bits);
  for (int32_t r = 0; r < rows; ++r) {
    const uint8_t* row = packed + static_cast<int64_t>(r) * row_bytes;
    uint8_t* out = codes + static_cast<int64_t>(r) * count;
    for (int32_t i = 0; i < count; ++i) out[i] = static_cast<uint8_t>(get_unsigned(row, i, bits));
  }
  return Status::ok;
}

Status unpack_signed_rows(const uint8_t* packed, int32_t rows, int32_t count, int32_t bits,
                          int8_t* values) {
  const Status s = check_rows(packed, rows, count, bits, values);
  if (s != Status::ok) return s;
  const int32_t row_bytes = packed_row_bytes(count, bits);
  for (int32_t r = 0; r < rows; ++r) {
    const uint8_t* row = packed + static_cast<int64_t>(r) * row_bytes;
    int8_t* out = values + static_cast<int64_t>(r) * count;
    for (int32_t i = 0; i < count; ++i) out[i] = static_cast<int8_t>(get_signed(row, i, bits));
  }
  return Status::ok;
}

}  // namespace mpq::kernels
