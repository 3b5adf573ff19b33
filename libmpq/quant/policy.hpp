#pragma once

#include <string>
#include <vector>

#include "libmpq/quant/quant_graph.hpp"

namespace mpq {

// Bits of one policy decision: the weights of a conv/depthwise/fc op (w_bits, 0 for an
// add, which has none) and that op's output activation (a_bits). The network input is
// always 8-bit.
struct LayerBits {
  std::string name;  // the op's name (its float node)
  std::string kind;  // qop_kind_name()
  int w_bits = 8;
  int a_bits = 8;
};

// A mixed-precision policy: one LayerBits per decision of the model's QuantGraph, in
// execution order, plus the model it belongs to. File format: docs/quantization.md.
struct Policy {
  ModelSpec spec;
  std::vector<LayerBits> layers;

  bool operator==(const Policy& other) const;
  // "8,8 4,8 ..." (w,a per layer): a compact key for caches and logs.
  std::string key() const;
};

bool is_valid_bits(int bits);  // 2, 4 or 8

// The policy of `graph` whose Policy::key() is `key` ("w,a w,a ..."); throws Error when
// the key does not fit the graph.
Policy policy_from_key(const QuantGraph& graph, const std::string& key);

// Every weight tensor at w_bits, every activation at a_bits except the logits (the
// classifier's output), which stay 8-bit like the network input: with 16 or 4 output
// levels most classes tie and top-1 accuracy collapses. A policy may still give the
// classifier fewer output bits; the search never does.
Policy uniform_policy(const QuantGraph& graph, int w_bits, int a_bits);

std::string policy_to_json(const Policy& policy);
// Parses and validates against nothing but itself; throws Error naming `what` and the field.
Policy policy_from_json(const std::string& text, const std::string& what);
Policy load_policy(const std::string& path);
void save_policy(const std::string& path, const Policy& policy);

// Checks that the policy belongs to the graph: same model, same number of layers, same
// names and kinds in order, bits in {2,4,8} (w_bits 0 exactly for adds). Throws Error
// naming `what`, the layer and the expected value.
void validate_policy(const Policy& policy, const QuantGraph& graph, const std::string& what);

}  // namespace mpq
