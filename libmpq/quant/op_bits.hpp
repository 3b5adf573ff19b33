// Bit widths of every tensor of a QuantGraph under a Policy (the rule of docs/memory-model.md).
#pragma once

#include <vector>

#include "libmpq/quant/policy.hpp"
#include "libmpq/quant/quant_graph.hpp"

namespace mpq {

// Bit widths of the tensors one op reads and writes under a policy.
struct OpBits {
  int input_bits[2] = {8, 0};  // second input: adds only (0 otherwise)
  int weight_bits = 0;         // 0 without weights (add, pooling)
  int output_bits = 8;
};

// Requires: `policy` belongs to `graph` (validate_policy, run once where the policy enters:
// not checked here, so that the budget loop can call this at every step).
// Ensures: one entry per op. The network input is 8-bit; an op's output has its
// decision's a_bits; a pooling op's output keeps its input's bits; inputs have their
// producer's output bits.
std::vector<OpBits> op_bits(const QuantGraph& graph, const Policy& policy);

}  // namespace mpq
