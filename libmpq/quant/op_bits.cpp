#include "libmpq/quant/op_bits.hpp"

namespace mpq {

std::vector<OpBits> op_bits(const QuantGraph& graph, const Policy& policy) {
  std::vector<OpBits> bits(graph.ops.size());
  auto produced = [&](int op) { return op == QOp::kInput ? 8 : bits[static_cast<size_t>(op)].output_bits; };
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const QOp& op = graph.ops[i];
    OpBits& b = bits[i];
    for (size_t k = 0; k < op.inputs.size() && k < 2; ++k) b.input_bits[k] = produced(op.inputs[k]);
    if (op.decision >= 0) {
      const LayerBits& layer = policy.layers[static_cast<size_t>(op.decision)];
      b.weight_bits = op.has_weights() ? layer.w_bits : 0;
      b.output_bits = layer.a_bits;
    } else {
      b.output_bits = b.input_bits[0];
    }
  }
  return bits;
}

}  // namespace mpq
