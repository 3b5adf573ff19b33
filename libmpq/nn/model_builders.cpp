#include "libmpq/nn/model_builders.hpp"

#include "libmpq/core/error.hpp"
#include "libmpq/nn/model_graph.hpp"

namespace mpq {

Model build_model(const ModelSpec& spec, uint64_t seed) {
  if (spec.is_graph()) {
    Model g = build_graph_model(spec, "model " + spec.to_string());
    g.reset_parameters(seed);
    return g;
  }
  require(is_known_arch(spec.arch),
          "unknown model '" + spec.arch + "': expected mobilenet_v1, mobilenet_v2 or mnasnet");
  require(spec.width > 0.f && spec.width <= 4.f,
          "model width " + std::to_string(spec.width) + ": expected a multiplier in (0, 4]");
  require(spec.classes >= 2, "model classes " + std::to_string(spec.classes) + ": expected at least 2");
  require(spec.in_channels >= 1 && spec.in_height >= 8 && spec.in_width >= 8,
          "model input " + std::to_string(spec.in_channels) + "x" + std::to_string(spec.in_height) + "x" +
              std::to_string(spec.in_width) + ": expected at least 1x8x8");
  Model m = spec.arch == "mobilenet_v1" ? build_mobilenet_v1(spec)
            : spec.arch == "mobilenet_v2" ? build_mobilenet_v2(spec)
                                          : build_mnasnet(spec);
  m.node_shapes(1);  // validates every layer's shapes now, not at the first forward
  m.reset_parameters(seed);
  return m;
}

}  // namespace mpq
