// The kernel variants (libmpq/runtime/kernel_table.hpp) a model runs on: what
// `mpq export --c-source` writes as the blob's kernel table, so that a firmware links
// only them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/runtime/kernel_table.hpp"
#include "libmpq/runtime/op_record.hpp"

namespace mpq {

// Each variant once, ordered by (kernel, input, weight, output bits).
std::vector<rt::OpVariant> kernel_variants(const std::vector<rt::OpRecord>& records);
// The same for a blob's op records. Requires a blob load_model accepts.
std::vector<rt::OpVariant> blob_kernel_variants(const std::vector<uint8_t>& blob);

// "convolve_i8_w4_o8" (rt::op_variant_name); the variant's fast function is
// "mpq_fw_op_" + this.
std::string op_variant_name(const rt::OpVariant& variant);

}  // namespace mpq
