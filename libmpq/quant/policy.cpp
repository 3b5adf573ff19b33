#include "libmpq/quant/policy.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/core/json_number.hpp"

namespace mpq {

bool is_valid_bits(int bits) { return bits == 2 || bits == 4 || bits == 8; }

bool Policy::operator==(const Policy& o) const {
  if (spec.to_string() != o.spec.to_string() || layers.size() != o.layers.size()) return false;
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].name != o.layers[i].name || layers[i].w_bits != o.layers[i].w_bits ||
        layers[i].a_bits != o.layers[i].a_bits)
      return false;
  return true;
}

std::string Policy::key() const {
  std::string k;
  for (const auto& l : layers) {
    if (!k.empty()) k += ' ';
    k += std::to_string(l.w_bits) + ',' + std::to_string(l.a_bits);
  }
  return k;
}

Policy uniform_policy(const QuantGraph& graph, int w_bits, int a_bits) {
  require(is_valid_bits(w_bits) && is_valid_bits(a_bits), "uniform policy: bits must be 2, 4 or 8");
  Policy p;
  p.spec = graph.spec;
  for (int op_index : graph.decision_ops) {
    const QOp& op = graph.ops[static_cast<size_t>(op_index)];
    // The logits stay 8-bit: at 4 or 2 bits most classes would tie on the same code.
    const bool logits = op_index == static_cast<int>(graph.ops.size()) - 1;
    p.layers.push_back({op.name, qop_kind_name(op.kind), op.has_weights() ? w_bits : 0, logits ? 8 : a_bits});
  }
  return p;
}

Policy policy_from_key(const QuantGraph& graph, const std::string& key) {
  Policy p = uniform_policy(graph, 8, 8);
  std::istringstream in(key);
  std::string item;
  size_t i = 0;
  while (in >> item) {
    int w = 0, a = 0;
    char comma = 0;
    std::istringstream pair(item);
    require(i < p.layers.size() && (pair >> w >> comma >> a) && comma == ',',
            "policy key '" + key + "' does not fit model " + graph.spec.to_string());
    p.layers[i].w_bits = w;
    p.layers[i].a_bits = a;
    ++i;
  }
  require(i == p.layers.size(), "policy key '" + key + "' does not fit model " + graph.spec.to_string());
  validate_policy(p, graph, "policy key");
  return p;
}

std::string policy_to_json(const Policy& p) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : p.layers) {
    nlohmann::json j = {{"name", l.name}, {"kind", l.kind}, {"a_bits", l.a_bits}};
    if (l.w_bits != 0) j["w_bits"] = l.w_bits;
    layers.push_back(j);
  }
  nlohmann::json model = {{"arch", p.spec.arch},
                          {"width", p.spec.width},
                          {"input", std::to_string(p.spec.in_channels) + "x" + std::to_string(p.spec.in_height) + "x" +
                                        std::to_string(p.spec.in_width)},
                          {"classes", p.spec.classes},
                          {"small_input", p.spec.small_input}};
  // A stored graph (an ONNX import) is named by its fingerprint: the graph itself lives in
  // the checkpoint the policy is used with.
  if (p.spec.is_graph()) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(p.spec.graph_fingerprint));
    model["graph"] = hex;
  }
  nlohmann::json out = {{"format", "mpq-policy"}, {"version", 1}, {"model", model}, {"layers", layers}};
  return out.dump(2) + "\n";
}

Policy policy_from_json(const std::string& text, const std::string& what) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(what + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  auto field = [&](const nlohmann::json& obj, const char* key, const std::string& where) -> const nlohmann::json& {
    if (!obj.is_object() || !obj.contains(key)) throw Error(what + ": missing field '" + where + key + "'");
    return obj.at(key);
  };
  auto whole_number = [&](const nlohmann::json& v, const std::string& name, int64_t lo, int64_t hi) {
    return json_whole_number(v, name, lo, hi, what);
  };
  try {
    if (j.value("format", "") != "mpq-policy") throw Error(what + ": field 'format' must be \"mpq-policy\"");
    // Not j.value("version", 0): that converts 1e34 to an int, undefined behaviour.
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] != 1)
      throw Error(what + ": field 'version' must be 1");
    Policy p;
    const auto& m = field(j, "model", "");
    p.spec.arch = field(m, "arch", "model.").get<std::string>();
    // Range-checked as a double: a float cannot hold 1e300 (validate_model_spec checks it).
    const double width = field(m, "width", "model.").get<double>();
    if (!(width > 0 && width <= 4)) throw Error(what + ": field 'model.width' is " + std::to_string(width) + ", expected (0, 4]");
    p.spec.width = static_cast<float>(width);
    parse_input_shape(field(m, "input", "model.").get<std::string>(), p.spec);
    p.spec.classes = whole_number(field(m, "classes", "model."), "model.classes", 2, kMaxClasses);
    p.spec.small_input = field(m, "small_input", "model.").get<bool>();
    if (p.spec.is_graph()) {
      const std::string hex = field(m, "graph", "model.").get<std::string>();
      const bool digits = hex.size() == 8 && std::all_of(hex.begin(), hex.end(), [](char ch) {
                            return std::isxdigit(static_cast<unsigned char>(ch)) != 0;
                          });
      if (!digits)
        throw Error(what + ": field 'model.graph' is \"" + hex.substr(0, 16) + "\", expected 8 hex digits");
      p.spec.graph_fingerprint = static_cast<uint32_t>(std::strtoul(hex.c_str(), nullptr, 16));
    }
    validate_model_spec(p.spec, what);
    const auto& layers = field(j, "layers", "");
    if (!layers.is_array() || layers.empty()) throw Error(what + ": field 'layers' must be a non-empty array");
    for (size_t i = 0; i < layers.size(); ++i) {
      const std::string where = "layers[" + std::to_string(i) + "].";
      LayerBits l;
      l.name = field(layers[i], "name", where).get<std::string>();
      l.kind = field(layers[i], "kind", where).get<std::string>();
      l.a_bits = static_cast<int>(whole_number(field(layers[i], "a_bits", where), where + "a_bits", 0, 64));
      l.w_bits = layers[i].contains("w_bits")
                     ? static_cast<int>(whole_number(layers[i].at("w_bits"), where + "w_bits", 0, 64))
                     : 0;
      if (!is_valid_bits(l.a_bits))
        throw Error(what + ": " + where + "a_bits is " + std::to_string(l.a_bits) + ", expected 2, 4 or 8");
      if (l.kind != "add" && !is_valid_bits(l.w_bits))
        throw Error(what + ": " + where + "w_bits is " + std::to_string(l.w_bits) + ", expected 2, 4 or 8");
      p.layers.push_back(l);
    }
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw Error(what + ": wrong field type (" + std::string(e.what()) + ")");
  }
}

Policy load_policy(const std::string& path) { return policy_from_json(read_file(path), path); }

void save_policy(const std::string& path, const Policy& policy) { write_file_atomically(path, policy_to_json(policy)); }

void validate_policy(const Policy& p, const QuantGraph& g, const std::string& what) {
  if (p.spec.to_string() != g.spec.to_string())
    throw Error(what + ": policy is for model " + p.spec.to_string() + ", not " + g.spec.to_string());
  if (p.layers.size() != g.decision_ops.size())
    throw Error(what + ": policy has " + std::to_string(p.layers.size()) + " layers, the model has " +
                std::to_string(g.decision_ops.size()));
  for (size_t i = 0; i < p.layers.size(); ++i) {
    const QOp& op = g.ops[static_cast<size_t>(g.decision_ops[i])];
    const LayerBits& l = p.layers[i];
    const std::string where = what + ": layers[" + std::to_string(i) + "] ";
    if (l.name != op.name) throw Error(where + "is named '" + l.name + "', expected '" + op.name + "'");
    if (l.kind != qop_kind_name(op.kind)) throw Error(where + "kind is '" + l.kind + "', expected '" + qop_kind_name(op.kind) + "'");
    if (!is_valid_bits(l.a_bits)) throw Error(where + "a_bits is " + std::to_string(l.a_bits) + ", expected 2, 4 or 8");
    if (op.has_weights() ? !is_valid_bits(l.w_bits) : l.w_bits != 0)
      throw Error(where + "w_bits is " + std::to_string(l.w_bits) + (op.has_weights() ? ", expected 2, 4 or 8" : ", expected none (an add has no weights)"));
  }
}

}  // namespace mpq
