#include "libmpq/export/convert_to_blob.hpp"

#include <cmath>
#include <tuple>

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/blob_records.hpp"
#include "libmpq/quant/activation_quantizer.hpp"
#include "libmpq/quant/integer_forward.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/quant/weight_quantizer.hpp"
#include "libmpq/runtime/blob_encoding.hpp"
#include "libmpq/runtime/little_endian.hpp"

namespace mpq {

namespace encoding = rt::encoding;

namespace {

const ActivationQuantizer& quantizer_at(Model& fq, const std::string& name) {
  const int i = fq.find(name);
  const auto* q = i < 0 ? nullptr : dynamic_cast<const ActivationQuantizer*>(fq.node(static_cast<size_t>(i)).layer.get());
  if (!q) throw Error("export: the fake-quant model has no quantizer '" + name + "'");
  return *q;
}

WeightQuantized& weight_quantized_at(Model& fq, const QOp& op) {
  const int node = fq.find(op.name);
  auto* wq = node < 0 ? nullptr : dynamic_cast<WeightQuantized*>(fq.node(static_cast<size_t>(node)).layer.get());
  if (!wq) throw Error("export: op '" + op.name + "' is not a weight-quantized layer in the fake-quant model");
  return *wq;
}

void check(encoding::Status s, const std::string& op, const char* what) {
  if (s != encoding::Status::ok)
    throw Error("export: op '" + op + "': " + what + " rejected (" + encoding::status_name(s) + ")");
}

std::pair<int32_t, int32_t> multiplier_of(double real, const std::string& op) {
  int32_t m = 0, s = 0;
  check(encoding::quantize_multiplier(real, &m, &s), op, "requantization multiplier");
  return {m, s};
}

// Raw pixel -> input code, per channel: the first table the device reads.
void fill_input_table(const QuantGrid& grid, const InputNormalization& input, const BlobLayout& layout,
                      std::vector<uint8_t>& blob) {
  require(input.mean.size() == layout.input_c && input.std.size() == layout.input_c,
          "export: the input normalization has " + std::to_string(input.mean.size()) + " channels, the model " +
              std::to_string(layout.input_c));
  for (size_t c = 0; c < layout.input_c; ++c)
    require(std::isfinite(input.mean[c]) && std::isfinite(input.std[c]) && input.std[c] > 0.f,
            "export: input normalization of channel " + std::to_string(c) + " is mean " + std::to_string(input.mean[c]) +
                ", std " + std::to_string(input.std[c]) + ", expected finite numbers and std > 0");
  for (size_t c = 0; c < layout.input_c; ++c)
    for (int p = 0; p < 256; ++p) {
      const float x = (static_cast<float>(p) / 255.f - input.mean[c]) / input.std[c];
      blob[layout.input_lut_offset + c * blob::kInputLutBytesPerChannel + static_cast<size_t>(p)] =
          static_cast<uint8_t>(grid.code(x));
    }
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

// Packed weights at the record's weight bits, then per channel the int32 bias in the
// accumulator's unit s_in * s_w / 2^(8 - bits) (rounded on the layer's bias_step grid) with
// the input zero point folded in, and the requantization multiplier and shift of that unit
// / s_out.
void fill_weighted_op(WeightQuantized& wq, const QOp& op, const rt::OpRecord& record, const QuantGrid& in,
                      const QuantGrid& out, std::vector<uint8_t>& blob) {
  const int bits = record.weight_bits;
  require(wq.bits() == bits, "export: op '" + op.name + "' is quantized to " + std::to_string(wq.bits()) +
                                 " bits, the policy gives it " + std::to_string(bits));
  wq.refresh();  // scales and codes of the current master weights
  const Tensor& w = wq.master_weight().value;
  const Tensor& bias = wq.master_bias().value;
  require(bias.size() == w.dim(0), "export: op '" + op.name + "' has no bias");
  // A NaN weight or scale would become an undefined float -> int conversion below.
  for (const Tensor* t : {&w, &bias})
    for (int64_t k = 0; k < t->size(); ++k)
      require(std::isfinite((*t)[k]), "export: op '" + op.name + "' has a non-finite " + (t == &w ? "weight" : "bias") +
                                          " at index " + std::to_string(k));
  for (float scale : wq.scales())
    require(std::isfinite(scale) && scale > 0.f, "export: op '" + op.name + "' has weight scale " +
                                                     std::to_string(scale) + ", expected a positive finite number");
  const bool depthwise = op.kind == QOpKind::depthwise;
  const int32_t out_c = record.out_c, in_c = record.in_c;
  const rt::RecordWindow window = rt::record_window(record);
  const int32_t taps = window.kernel_h * window.kernel_w;
  const std::vector<int8_t> codes = weight_codes(op, w, wq.scales(), bits);
  const int32_t count = depthwise ? out_c : in_c;  // values per packed row
  const int32_t rows = static_cast<int32_t>(static_cast<int64_t>(codes.size()) / count);
  uint8_t* weights = blob.data() + record.weights_offset;
  check(encoding::pack_signed_rows(codes.data(), rows, count, bits, weights), op.name, "weight packing");

  std::vector<int32_t> bias_q(static_cast<size_t>(out_c)), mult(bias_q.size()), shift(bias_q.size());
  for (size_t o = 0; o < bias_q.size(); ++o) {
    const double acc_scale = accumulator_scale(in.scale, wq.scales()[o], bits);
    // The fake-quant forward's rounding exactly (bias_step), in accumulator units.
    const double b = accumulator_bias(bias[static_cast<int64_t>(o)], in.scale, wq.scales()[o], bits, wq.fine_bias());
    if (!(std::abs(b) < 2147483647.0))
      throw Error("export: op '" + op.name + "' channel " + std::to_string(o) + ": bias does not fit in int32");
    bias_q[o] = static_cast<int32_t>(b);
    std::tie(mult[o], shift[o]) = multiplier_of(acc_scale / out.scale, op.name);
  }
  if (depthwise)
    check(encoding::fold_input_zero_point_depthwise(weights, taps, out_c, bits, in.zero_point, bias_q.data(),
                                                    bias_q.data()),
          op.name, "bias folding");
  else
    check(encoding::fold_input_zero_point(weights, out_c, op.kind == QOpKind::fc ? 1 : taps, in_c, bits, in.zero_point,
                                          bias_q.data(), bias_q.data()),
          op.name, "bias folding");
  uint8_t* params = blob.data() + record.channel_params_offset;
  for (size_t o = 0; o < bias_q.size(); ++o) {
    rt::write_i32(params + 4 * o, bias_q[o]);
    rt::write_i32(params + 4 * (bias_q.size() + o), mult[o]);
    rt::write_i32(params + 4 * (2 * bias_q.size() + o), shift[o]);
  }
}

// Both inputs rescaled to a shared grid, summed, requantized (quantize_residual_add).
void fill_add(const QOp& op, const QuantGrid& a, const QuantGrid& b, const QuantGrid& out, rt::OpRecord& record) {
  encoding::ResidualAddParams p{};
  check(encoding::quantize_residual_add(a.scale, b.scale, out.scale, &p), op.name, "residual add scales");
  record.input2_zero_point = b.zero_point;
  record.input_multiplier = p.a_multiplier;
  record.input_shift = p.a_shift;
  record.input2_multiplier = p.b_multiplier;
  record.input2_shift = p.b_shift;
  record.output_multiplier = p.output_multiplier;
  record.output_shift = p.output_shift;
  record.left_shift = p.left_shift;
}

// The mean over h x w pixels and the change of grid in one multiplier.
void fill_pool(const QOp& op, const QuantGrid& in, const QuantGrid& out, rt::OpRecord& record) {
  std::tie(record.input_multiplier, record.input_shift) =
      multiplier_of(static_cast<double>(in.scale) / (static_cast<double>(out.scale) * record.in_h * record.in_w), op.name);
}

}  // namespace

std::vector<uint8_t> convert_to_blob(Model& fq, const QuantGraph& graph, const Policy& policy,
                                     const InputNormalization& input, rt::PatchStage patch,
                                     InplaceDepthwise inplace, InplaceKinds kinds) {
  const BlobLayout layout = blob_layout(op_records(graph, policy), patch, inplace, kinds);
  std::vector<rt::OpRecord> records = layout.records;
  std::vector<uint8_t> blob(layout.total_bytes, 0);

  // A NaN or non-positive scale would turn into undefined float -> int conversions in
  // QuantGrid::code and the multipliers, and into a blob that computes garbage.
  auto checked = [](const QuantGrid& g, const std::string& name) {
    require(std::isfinite(g.scale) && g.scale > 0.f,
            "export: quantizer '" + name + "' has scale " + std::to_string(g.scale) + ", expected a positive finite number");
    return g;
  };
  const QuantGrid input_grid = checked(quantizer_at(fq, "input.q").grid(), "input.q");
  auto grid_of = [&](int op) {
    if (op == QOp::kInput) return input_grid;
    const std::string name = graph.ops[static_cast<size_t>(op)].name + ".q";
    return checked(quantizer_at(fq, name).grid(), name);
  };
  fill_input_table(input_grid, input, layout, blob);

  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const QOp& op = graph.ops[i];
    rt::OpRecord& record = records[i];
    const QuantGrid in = grid_of(op.inputs[0]);
    const QuantGrid out = grid_of(static_cast<int>(i));
    record.input_zero_point = in.zero_point;
    record.output_zero_point = out.zero_point;
    if (op.kind == QOpKind::maxpool || op.kind == QOpKind::avgpool2d) {
      // On the input's grid, without a clamp (the record's output_min/max stay 0).
      require(out.zero_point == in.zero_point && out.scale == in.scale,
              "export: op '" + op.name + "' is pooling onto another grid than its input's");
      continue;
    }
    record.output_min = out.qmin;
    record.output_max = out.qmax;
    if (op.has_weights())
      fill_weighted_op(weight_quantized_at(fq, op), op, record, in, out, blob);
    else if (op.kind == QOpKind::add)
      fill_add(op, in, grid_of(op.inputs[1]), out, record);
    else if (op.kind == QOpKind::avgpool)
      fill_pool(op, in, out, record);
  }

  BlobHeader header = blob_header(layout);
  const QuantGrid logits = grid_of(static_cast<int>(graph.ops.size()) - 1);
  header.output_zero_point = logits.zero_point;
  header.output_scale = logits.scale;
  encode_blob_tables(header, records, layout, blob);
  set_blob_crc(blob);
  return blob;
}

}  // namespace mpq
