#include "libmpq/quant/fake_quant_model.hpp"

#include <memory>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/add.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/nn/pool2d.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/follow_quantizer.hpp"
#include "libmpq/quant/grid_average_pool.hpp"
#include "libmpq/quant/grid_global_average_pool.hpp"
#include "libmpq/quant/kmeans_weight_quantizer.hpp"
#include "libmpq/quant/lsq_quantizer.hpp"
#include "libmpq/quant/pact_quantizer.hpp"
#include "libmpq/quant/range_quantizer.hpp"
#include "libmpq/quant/weight_quantizer.hpp"

namespace mpq {

namespace {

std::unique_ptr<Layer> copy_weighted(Layer& layer) {
  if (auto* c = dynamic_cast<Conv2d*>(&layer)) {
    auto copy = std::make_unique<Conv2d>(c->in_channels(), c->out_channels(), c->window(), c->groups(),
                                         /*bias=*/true);
    copy->weight.value = c->weight.value;
    if (c->has_bias()) copy->bias.value = c->bias.value;
    return copy;
  }
  if (auto* l = dynamic_cast<Linear*>(&layer)) {
    auto copy = std::make_unique<Linear>(l->in_features(), l->out_features(), /*bias=*/true);
    copy->weight.value = l->weight.value;
    if (l->has_bias()) copy->bias.value = l->bias.value;
    return copy;
  }
  throw Error("fake-quant model: '" + std::string(layer_kind_name(layer.kind())) + "' has no weights to quantize");
}

}  // namespace

const char* quantizer_kind_name(QuantizerKind kind) {
  return kind == QuantizerKind::lsq ? "lsq" : kind == QuantizerKind::lsq_pact ? "lsq-pact" : "pact";
}

QuantizerKind parse_quantizer_kind(const std::string& name) {
  if (name == "pact") return QuantizerKind::pact;
  if (name == "lsq") return QuantizerKind::lsq;
  if (name == "lsq-pact") return QuantizerKind::lsq_pact;
  throw Error("quantizer: '" + name + "' is not one of pact, lsq, lsq-pact");
}

namespace {
void require_folded(Model& folded) {
  for (size_t i = 0; i < folded.size(); ++i)
    require(folded.node(i).layer->kind() != LayerKind::BatchNorm,
            "fake-quant model: node '" + folded.node(i).name + "' is a BatchNorm; fold the model first");
}
}  // namespace

Model build_fake_quant_model(Model& folded, const Policy& policy, const FakeQuantOptions& options) {
  require_folded(folded);
  return build_fake_quant_model(folded, build_quant_graph(folded), policy, options);
}

Model build_fake_quant_model(Model& folded, const QuantGraph& graph, const Policy& policy,
                             const FakeQuantOptions& options) {
  require_folded(folded);
  validate_policy(policy, graph, "policy");

  const bool lsq = options.quantizer == QuantizerKind::lsq;
  const bool learned_weight_steps = lsq || options.quantizer == QuantizerKind::lsq_pact;
  Model out(folded.spec());
  auto input_q = std::make_unique<RangeQuantizer>(8, options.input_lo, options.input_hi, true);
  const ActivationQuantizer* input_quantizer = input_q.get();
  const int input_node = out.add("input.q", std::move(input_q), {Model::kInput});
  // Output node of each op (its quantizer) in `out`.
  std::vector<int> op_output(graph.ops.size(), -1);
  std::vector<ActivationQuantizer*> op_quantizer(graph.ops.size(), nullptr);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const QOp& op = graph.ops[i];
    std::vector<int> inputs;
    for (int k : op.inputs) inputs.push_back(k == QOp::kInput ? input_node : op_output[static_cast<size_t>(k)]);
    Layer& src = *folded.node(static_cast<size_t>(op.main_node)).layer;
    int node;
    std::unique_ptr<ActivationQuantizer> q;
    if (op.keeps_input_grid()) {
      const int producer = op.inputs[0];
      const ActivationQuantizer* source =
          producer == QOp::kInput ? input_quantizer : op_quantizer[static_cast<size_t>(producer)];
      if (op.kind == QOpKind::avgpool)
        node = out.add(op.name, std::make_unique<GridGlobalAveragePool>(source), inputs);
      else if (op.kind == QOpKind::maxpool)  // the largest grid value is on the grid
        node = out.add(op.name, std::make_unique<Pool2d>(Pool2d::Mode::Max, op.window, true), inputs);
      else
        node = out.add(op.name,
                       std::make_unique<GridAveragePool>(op.window, op.count_include_pad, source),
                       inputs);
      q = std::make_unique<FollowQuantizer>(source);
    } else {
      const LayerBits& bits = policy.layers[static_cast<size_t>(op.decision)];
      if (op.kind == QOpKind::add) {
        node = out.add(op.name, std::make_unique<Add>(), inputs);
      } else if (options.kmeans_weights) {
        node = out.add(op.name, std::make_unique<KmeansWeightQuantized>(copy_weighted(src), bits.w_bits), inputs);
      } else {
        const WeightStepInit step_init =
            layer_weight_step_init(options.weight_step_init, bits.w_bits, op.kind == QOpKind::depthwise);
        auto layer = std::make_unique<WeightQuantized>(copy_weighted(src), bits.w_bits, options.per_tensor_weights,
                                                       learned_weight_steps, options.fine_bias, step_init);
        const int producer = op.inputs[0];
        layer->set_input_quantizer(producer == QOp::kInput ? input_quantizer : op_quantizer[static_cast<size_t>(producer)]);
        node = out.add(op.name, std::move(layer), inputs);
      }
      if (lsq) q = std::make_unique<LsqQuantizer>(bits.a_bits, /*with_offset=*/!op.relu_output, op.relu_cap);
      else if (op.relu_output) q = std::make_unique<PactQuantizer>(bits.a_bits, std::min(op.relu_cap, 6.f), op.relu_cap);
      else q = std::make_unique<RangeQuantizer>(bits.a_bits, -1.f, 1.f);
      q->set_init(options.activation_init);
    }
    if (auto* wq = dynamic_cast<WeightQuantized*>(out.node(static_cast<size_t>(node)).layer.get()))
      wq->set_output_quantizer(q.get());
    op_quantizer[i] = q.get();
    op_output[i] = out.add(op.name + ".q", std::move(q), {node});
  }
  return out;
}

void calibrate_quantizers(Model& model, const std::vector<Tensor>& batches) {
  std::vector<ActivationQuantizer*> quantizers;
  for (size_t i = 0; i < model.size(); ++i)
    if (auto* q = dynamic_cast<ActivationQuantizer*>(model.node(i).layer.get())) quantizers.push_back(q);
  for (auto* q : quantizers) q->start_observing();
  for (const Tensor& b : batches) model.infer(b);
  for (auto* q : quantizers) q->finish_observing();
}

Model build_fake_quant_model_for(const ModelSpec& spec, const Policy& policy, const FakeQuantOptions& options) {
  Model float_model = build_model(spec, 1);
  Model folded = fold_batch_norm(float_model);
  return build_fake_quant_model(folded, policy, options);
}

FakeQuantModel build_fake_quant_model_and_graph_for(const ModelSpec& spec, const Policy& policy,
                                                    const FakeQuantOptions& options) {
  Model float_model = build_model(spec, 1);
  Model folded = fold_batch_norm(float_model);
  QuantGraph graph = build_quant_graph(folded);
  Model model = build_fake_quant_model(folded, graph, policy, options);
  return {std::move(model), std::move(graph)};
}

}  // namespace mpq
