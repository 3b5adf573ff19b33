#include "libmpq/export/convert_to_blob.hpp"

#include <cmath>
#include <cstring>

#include "libmpq/core/error.hpp"
#include "libmpq/kernels/fold_input_zero_point.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/quantize_multiplier.hpp"
#include "libmpq/kernels/residual_add.hpp"
#include "libmpq/mcu/blob_layout.hpp"
#include "libmpq/mcu/blob_records.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/activation_quantizer.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/weight_quantizer.hpp"

namespace mpq {

namespace {

const ActivationQuantizer& quantizer_at(Model& fq, const std::string& name) {
  const int i = fq.find(name);
  const auto* q = i < 0 ? nullptr : dynamic_cast<const ActivationQuantizer*>(fq.node(static_cast<size_t>(i)).layer.get());
  if (!q) throw Error("export: the fake-quant model has no quantizer '" + name + "'");
  return *q;
}

void put_i32(std::vector<uint8_t>& blob, uint32_t offset, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int b = 0; b < 4; ++b) blob[offset + static_cast<uint32_t>(b)] = static_cast<uint8_t>(u >> (8 * b));
}

void check(kernels::Status s, const std::string& op, const char* what) {
  if (s != kernels::Status::ok) throw Error("export: op '" + op + "': " + what + " rejected (" + kernels::status_name(s) + ")");
}

std::pair<int32_t, int32_t> multiplier_of(double real, const std::string& op) {
  int32_t m = 0, s = 0;
  check(kernels::quantize_multiplier(real, &m, &s), op, "requantization multiplier");
  return {m, s};
}

// Weight codes of a weighted op in the kernels' packed row order.
std::vector<int8_t> weight_codes(const QOp& op, const Tensor& w, const std::vector<float>& scales, int bits) {
  const int64_t out = w.dim(0), per = w.size() / out;
  std::vector<int8_t> codes(static_cast<size_t>(w.size()));
  if (op.kind == QOpKind::depthwise) {
    // Ours: [C, k, k, 1]; the kernel's: k*k rows of C values.
    for (int64_t c = 0; c < out; ++c)
      for (int64_t t = 0; t < per; ++t)
        codes[static_cast<size_t>(t * out + c)] =
            static_cast<int8_t>(weight_code(w[c * per + t], scales[static_cast<size_t>(c)], bits));
  } else {
    // conv [out, k, k, in] and fc [out, in] are already rows of input channels.
    for (int64_t o = 0; o < out; ++o)
      for (int64_t k = 0; k < per; ++k)
        codes[static_cast<size_t>(o * per + k)] =
            static_cast<int8_t>(weight_code(w[o * per + k], scales[static_cast<size_t>(o)], bits));
  }
  return codes;
}

}  // namespace

std::vector<uint8_t> convert_to_blob(Model& fq, const Policy& policy, const InputNormalization& input) {
  Model float_model = build_model(fq.spec(), 1);
  const QuantGraph graph = build_quant_graph(fold_batch_norm(float_model));
  validate_policy(policy, graph, "export policy");
  const BlobLayout layout = blob_layout(graph, policy);
  std::vector<uint8_t> blob = blob_skeleton(graph, layout);

  const QuantGrid input_grid = quantizer_at(fq, "input.q").grid();
  auto grid_of = [&](int op) { return op == QOp::kInput ? input_grid : quantizer_at(fq, graph.ops[static_cast<size_t>(op)].name + ".q").grid(); };

  // Input look-up table: raw pixel -> input code, per channel.
  const int64_t channels = fq.spec().in_channels;
  require(input.mean.size() == static_cast<size_t>(channels) && input.std.size() == static_cast<size_t>(channels),
          "export: the input normalization has " + std::to_string(input.mean.size()) + " channels, the model " +
              std::to_string(channels));
  for (int64_t c = 0; c < channels; ++c)
    for (int p = 0; p < 256; ++p) {
      const float x = (static_cast<float>(p) / 255.f - input.mean[static_cast<size_t>(c)]) / input.std[static_cast<size_t>(c)];
      blob[layout.input_lut_offset + static_cast<uint32_t>(c * 256 + p)] = static_cast<uint8_t>(input_grid.code(x));
    }

  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const QOp& op = graph.ops[i];
    const OpSections& sections = layout.ops[i];
    OpRecord rec = decode_op_record(blob.data() + sections.record_offset);
    const QuantGrid in = grid_of(op.inputs[0]);
    const QuantGrid out = grid_of(static_cast<int>(i));
    rec.input_zero_point = in.zero_point;
    rec.output_zero_point = out.zero_point;
    rec.output_min = out.qmin;
    rec.output_max = out.qmax;
    if (op.has_weights()) {
      const int node = fq.find(op.name);
      auto* wq = node < 0 ? nullptr : dynamic_cast<WeightQuantized*>(fq.node(static_cast<size_t>(node)).layer.get());
      if (!wq) throw Error("export: op '" + op.name + "' is not a weight-quantized layer in the fake-quant model");
      wq->refresh();  // scales and codes of the current master weights
      const Tensor& w = wq->master_weight().value;
      require(wq->master_bias().value.size() == wq->master_weight().value.dim(0), "export: op '" + op.name + "' has no bias");
      const Tensor& bias = wq->master_bias().value;
      const int bits = wq->bits();
      std::vector<int8_t> codes = weight_codes(op, w, wq->scales(), bits);
      const int64_t out_c = w.dim(0);
      const int32_t rows = static_cast<int32_t>(static_cast<int64_t>(codes.size()) / (op.kind == QOpKind::depthwise ? out_c : op.in_c));
      const int32_t count = static_cast<int32_t>(op.kind == QOpKind::depthwise ? out_c : op.in_c);
      check(kernels::pack_signed_rows(codes.data(), rows, count, bits, blob.data() + sections.weights_offset), op.name,
            "weight packing");
      std::vector<int32_t> bias_q(static_cast<size_t>(out_c)), mult(static_cast<size_t>(out_c)), shift(static_cast<size_t>(out_c));
      for (int64_t o = 0; o < out_c; ++o) {
        const double acc_scale = static_cast<double>(in.scale) * wq->scales()[static_cast<size_t>(o)];
        const double b = std::nearbyint(bias[o] / acc_scale);
        if (!(std::abs(b) < 2147483647.0))
          throw Error("export: op '" + op.name + "' channel " + std::to_string(o) + ": bias does not fit in int32");
        bias_q[static_cast<size_t>(o)] = static_cast<int32_t>(b);
        auto ms = multiplier_of(acc_scale / out.scale, op.name);
        mult[static_cast<size_t>(o)] = ms.first;
        shift[static_cast<size_t>(o)] = ms.second;
      }
      const int32_t taps = static_cast<int32_t>(op.kernel * op.kernel);
      if (op.kind == QOpKind::depthwise)
        check(kernels::fold_input_zero_point_depthwise(blob.data() + sections.weights_offset, taps,
                                                       static_cast<int32_t>(out_c), bits, in.zero_point,
                                                       bias_q.data(), bias_q.data()),
              op.name, "bias folding");
      else
        check(kernels::fold_input_zero_point(blob.data() + sections.weights_offset, static_cast<int32_t>(out_c),
                                             op.kind == QOpKind::fc ? 1 : taps, static_cast<int32_t>(op.in_c), bits,
                                             in.zero_point, bias_q.data(), bias_q.data()),
              op.name, "bias folding");
      const uint32_t base = sections.channel_params_offset;
      for (int64_t o = 0; o < out_c; ++o) {
        const auto k = static_cast<uint32_t>(o);
        put_i32(blob, base + 4 * k, bias_q[k]);
        put_i32(blob, base + 4 * static_cast<uint32_t>(out_c) + 4 * k, mult[k]);
        put_i32(blob, base + 8 * static_cast<uint32_t>(out_c) + 4 * k, shift[k]);
      }
    } else if (op.kind == QOpKind::add) {
      const QuantGrid b = grid_of(op.inputs[1]);
      kernels::ResidualAddParams p{};
      check(kernels::quantize_residual_add(in.scale, b.scale, out.scale, &p), op.name, "residual add scales");
      rec.input2_zero_point = b.zero_point;
      rec.input_multiplier = p.a_multiplier;
      rec.input_shift = p.a_shift;
      rec.input2_multiplier = p.b_multiplier;
      rec.input2_shift = p.b_shift;
      rec.output_multiplier = p.output_multiplier;
      rec.output_shift = p.output_shift;
      rec.left_shift = p.left_shift;
    } else if (op.kind == QOpKind::avgpool) {
      auto ms = multiplier_of(static_cast<double>(in.scale) / (static_cast<double>(out.scale) * op.in_h * op.in_w), op.name);
      rec.input_multiplier = ms.first;
      rec.input_shift = ms.second;
    }
    encode_op_record(rec, blob.data() + sections.record_offset);
  }

  BlobHeader header = decode_blob_header(blob.data(), "export");
  const QuantGrid logits = grid_of(static_cast<int>(graph.ops.size()) - 1);
  header.output_zero_point = logits.zero_point;
  header.output_scale = logits.scale;
  encode_blob_header(header, blob.data());
  set_blob_crc(blob);
  return blob;
}

}  // namespace mpq
