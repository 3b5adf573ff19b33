// The step from a quantization graph and a policy to the model blob's op records
// (libmpq/runtime/op_record.hpp): kind, flags, bit widths, window, shapes and buffer ids.
// The sections' offsets are libmpq/mcu's blob layout and the quantization parameters
// libmpq/export's; both fill these same structs.
#pragma once

#include <vector>

#include "libmpq/quant/op_bits.hpp"
#include "libmpq/runtime/op_record.hpp"

namespace mpq {

// Requires: bits == op_bits(graph, policy) for a policy of `graph` (not checked).
// Ensures: one record per op; buffer ids follow the buffer table's rule (buffer 0 the
// network input, then per op its output and, when its kernel needs scratch, its scratch);
// zero points, clamps, multipliers and offsets are 0. Throws Error naming the op and field
// when a shape exceeds its 16-bit (or 8-bit) record field, the graph has more buffers than
// 16-bit ids hold, a fully connected input is not 1 x 1 x C, or the op's kernel refuses
// its shapes (rt::op_requirements; e.g. a reduction deeper than kMaxReductionDepth).
std::vector<rt::OpRecord> op_records(const QuantGraph& graph, const std::vector<OpBits>& bits);

// validate_policy(policy, graph, "policy") (Error naming the mismatch), then the above.
std::vector<rt::OpRecord> op_records(const QuantGraph& graph, const Policy& policy);

}  // namespace mpq
