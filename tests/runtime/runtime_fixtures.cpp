#include "runtime/runtime_fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "libmpq/kernels/fold_input_zero_point.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/kernels/quantize_multiplier.hpp"
#include "libmpq/kernels/residual_add.hpp"
#include "libmpq/mcu/blob_layout.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/detail/blob_context.hpp"

namespace mpq::test {

namespace {

void put_i32(uint8_t* at, int32_t v) {
  for (int k = 0; k < 4; ++k) at[k] = static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * k));
}

int32_t uniform_int(std::mt19937_64& rng, int32_t lo, int32_t hi) {
  return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
}

double uniform_real(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

// Zero point and clamp of an op's output codes.
void choose_output(std::mt19937_64& rng, const QOp& op, OpRecord& r) {
  const int32_t top = (1 << r.output_bits) - 1;
  if (op.relu_output) {
    r.output_zero_point = 0;
    r.output_min = 0;
    r.output_max = uniform_int(rng, 0, 2) == 0 ? uniform_int(rng, (top + 1) / 2, top) : top;  // PACT-like clip
  } else {
    r.output_zero_point = uniform_int(rng, top / 4, (3 * top + 3) / 4);
    r.output_min = 0;
    r.output_max = top;
  }
}

// Weights, folded biases and per-channel requantization of a conv, depthwise or fc op.
// `input_mean` is a rough mean of the input codes: the bias centres the accumulator on it,
// as BN folding centres a trained layer, so that outputs spread instead of saturating.
void fill_weighted(std::mt19937_64& rng, const QOp& op, const OpSections& s, double input_mean, OpRecord& r,
                   std::vector<uint8_t>& blob) {
  const int32_t wb = r.weight_bits;
  const int32_t in_c = static_cast<int32_t>(op.in_c);
  const int32_t out_c = static_cast<int32_t>(op.out_c);
  const int32_t taps = static_cast<int32_t>(op.window.kh * op.window.kw);
  const bool depthwise = op.kind == QOpKind::depthwise;
  const int32_t rows = depthwise ? taps : out_c * taps;
  const int32_t count = depthwise ? out_c : in_c;
  const int32_t wmax = (1 << (wb - 1)) - 1;  // symmetric, as the quantizer makes them
  std::vector<int8_t> values(static_cast<size_t>(rows) * count);
  for (int8_t& v : values) v = static_cast<int8_t>(uniform_int(rng, -wmax, wmax));
  uint8_t* weights = blob.data() + s.weights_offset;
  BOOST_REQUIRE(kernels::pack_signed_rows(values.data(), rows, count, wb, weights) == kernels::Status::ok);

  const int32_t depth = depthwise ? taps : taps * in_c;
  const int32_t unit = 1 << (8 - wb);  // a weight code's value in the accumulator
  const double acc_scale =
      std::sqrt(static_cast<double>(depth)) * (wmax > 0 ? wmax : 1) * unit * (1 << r.input_bits);
  std::vector<int32_t> bias(static_cast<size_t>(out_c)), multiplier(bias.size()), shift(bias.size());
  for (int32_t o = 0; o < out_c; ++o) {
    int64_t weight_sum = 0;
    for (int32_t t = 0; t < (depthwise ? taps : taps * in_c); ++t)
      weight_sum += depthwise ? values[static_cast<size_t>(t * out_c + o)] : values[static_cast<size_t>(o * taps * in_c + t)];
    const double centre = -static_cast<double>(weight_sum) * unit * (input_mean - r.input_zero_point);
    const double noise = uniform_real(rng, -acc_scale / 16, acc_scale / 16);
    bias[static_cast<size_t>(o)] = static_cast<int32_t>(std::lround(centre + noise));
    const double real = (1 << r.output_bits) / acc_scale * uniform_real(rng, 1.0, 4.0);
    BOOST_REQUIRE(kernels::quantize_multiplier(real, &multiplier[static_cast<size_t>(o)], &shift[static_cast<size_t>(o)]) ==
                  kernels::Status::ok);
  }
  const kernels::Status folded =
      depthwise ? kernels::fold_input_zero_point_depthwise(weights, taps, out_c, wb, r.input_zero_point, bias.data(),
                                                           bias.data())
                : kernels::fold_input_zero_point(weights, out_c, op.kind == QOpKind::fc ? 1 : taps, in_c, wb,
                                                 r.input_zero_point, bias.data(), bias.data());
  BOOST_REQUIRE(folded == kernels::Status::ok);
  uint8_t* params = blob.data() + s.channel_params_offset;
  for (int32_t o = 0; o < out_c; ++o) {
    put_i32(params + 4 * o, bias[static_cast<size_t>(o)]);
    put_i32(params + 4 * (out_c + o), multiplier[static_cast<size_t>(o)]);
    put_i32(params + 4 * (2 * out_c + o), shift[static_cast<size_t>(o)]);
  }
}

}  // namespace

std::vector<uint8_t> random_valid_blob(const QuantGraph& graph, const Policy& policy, uint64_t seed,
                                       rt::PatchStage patch, InplaceDepthwise inplace, InplaceKinds kinds) {
  std::mt19937_64 rng(seed);
  const BlobLayout layout = blob_layout(op_records(graph, policy), patch, inplace, kinds);
  std::vector<uint8_t> blob = blob_skeleton(layout);
  // Monotone affine tables, like a dataset normalization: brighter pixels, larger codes.
  for (uint32_t c = 0; c < layout.input_lut_bytes / blob::kInputLutBytesPerChannel; ++c) {
    const double gain = uniform_real(rng, 0.7, 1.0), offset = uniform_real(rng, -20.0, 20.0);
    for (int p = 0; p < 256; ++p) {
      const double code = std::round(gain * p + offset);
      blob[layout.input_lut_offset + blob::kInputLutBytesPerChannel * c + static_cast<uint32_t>(p)] =
          static_cast<uint8_t>(code < 0 ? 0 : (code > 255 ? 255 : code));
    }
  }

  const int32_t input_zero_point = uniform_int(rng, 0, 255);
  std::vector<int32_t> output_zero_point(graph.ops.size(), 0);
  std::vector<double> output_mean(graph.ops.size(), 0.0);  // rough mean of each op's codes
  auto zero_point_of = [&](int producer) {
    return producer == QOp::kInput ? input_zero_point : output_zero_point[static_cast<size_t>(producer)];
  };
  auto mean_of = [&](int producer) { return producer == QOp::kInput ? 110.0 : output_mean[static_cast<size_t>(producer)]; };
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const QOp& op = graph.ops[i];
    uint8_t* record = blob.data() + layout.ops[i].record_offset;
    OpRecord r = decode_op_record(record);
    r.input_zero_point = zero_point_of(op.inputs[0]);
    switch (op.kind) {
      case QOpKind::conv:
      case QOpKind::depthwise:
      case QOpKind::fc:
        choose_output(rng, op, r);
        fill_weighted(rng, op, layout.ops[i], mean_of(op.inputs[0]), r, blob);
        break;
      case QOpKind::add: {
        choose_output(rng, op, r);
        r.input2_zero_point = zero_point_of(op.inputs[1]);
        kernels::ResidualAddParams p{};
        BOOST_REQUIRE(kernels::quantize_residual_add(uniform_real(rng, 0.5, 2.0), uniform_real(rng, 0.5, 2.0),
                                                     uniform_real(rng, 0.5, 2.0), &p) == kernels::Status::ok);
        r.input_multiplier = p.a_multiplier;
        r.input_shift = p.a_shift;
        r.input2_multiplier = p.b_multiplier;
        r.input2_shift = p.b_shift;
        r.output_multiplier = p.output_multiplier;
        r.output_shift = p.output_shift;
        r.left_shift = p.left_shift;
        break;
      }
      case QOpKind::avgpool: {
        // Same bits and scale as its input: the multiplier is exactly the 1 / (h w) mean.
        r.output_zero_point = r.input_zero_point;
        r.output_min = 0;
        r.output_max = (1 << r.output_bits) - 1;
        BOOST_REQUIRE(kernels::quantize_multiplier(1.0 / static_cast<double>(op.in_h * op.in_w), &r.input_multiplier,
                                                   &r.input_shift) == kernels::Status::ok);
        break;
      }
      case QOpKind::maxpool:
      case QOpKind::avgpool2d:
        // On the input's grid, no clamp (op_records set the flags and window).
        r.output_zero_point = r.input_zero_point;
        r.output_min = r.output_max = 0;
        break;
      default: BOOST_FAIL("unknown op kind");
    }
    output_zero_point[i] = r.output_zero_point;
    // After ReLU about half the codes are 0 and the rest spread below the clip; an average
    // pool keeps its input's mean; other outputs centre on their zero point.
    output_mean[i] = op.keeps_input_grid() ? mean_of(op.inputs[0])
                     : op.relu_output            ? r.output_max / 4.0
                                                 : r.output_zero_point;
    encode_op_record(r, record);
  }
  BlobHeader h = decode_blob_header(blob.data(), "random blob");
  h.output_zero_point = output_zero_point.back();
  h.output_scale = 0.125f;
  encode_blob_header(h, blob.data());
  set_blob_crc(blob);
  return blob;
}

std::vector<uint8_t> random_image(const QuantGraph& graph, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> image(static_cast<size_t>(graph.spec.in_height * graph.spec.in_width * graph.spec.in_channels));
  // Brightness and contrast differ per image, so that pooled features (and the outputs)
  // differ between images too.
  const int32_t base = uniform_int(rng, 0, 255), spread = uniform_int(rng, 10, 128);
  for (uint8_t& v : image) v = static_cast<uint8_t>(std::clamp(base + uniform_int(rng, -spread, spread), 0, 255));
  return image;
}

void edit_header(std::vector<uint8_t>& blob, const std::function<void(BlobHeader&)>& edit) {
  BlobHeader h = decode_blob_header(blob.data(), "edited blob");
  edit(h);
  encode_blob_header(h, blob.data());
  set_blob_crc(blob);
}

void edit_op(std::vector<uint8_t>& blob, size_t op, const std::function<void(OpRecord&)>& edit) {
  const BlobHeader h = decode_blob_header(blob.data(), "edited blob");
  uint8_t* record = blob.data() + h.ops_offset + blob::kOpRecordBytes * op;
  OpRecord r = decode_op_record(record);
  edit(r);
  encode_op_record(r, record);
  set_blob_crc(blob);
}

void edit_buffer(std::vector<uint8_t>& blob, size_t buffer, const std::function<void(rt::ArenaBuffer&)>& edit) {
  const BlobHeader h = decode_blob_header(blob.data(), "edited blob");
  uint8_t* record = blob.data() + h.buffers_offset + blob::kBufferRecordBytes * buffer;
  rt::ArenaBuffer b = decode_buffer_record(record);
  edit(b);
  encode_buffer_record(b, record);
  set_blob_crc(blob);
}

namespace {

LoadResult load_with(const std::vector<uint8_t>& blob, bool refuse_costly_stage) {
  LoadResult result;
  rt::BlobMemory memory{};
  const uint32_t bytes = static_cast<uint32_t>(blob.size());
  const uint32_t scratch_bytes =
      rt::query_blob_memory(blob.data(), bytes, &memory) == rt::Status::ok ? memory.load_scratch_bytes : 0;
  std::vector<uint32_t> scratch(scratch_bytes / 4 + 1);
  result.status = rt::detail::load_model(blob.data(), bytes, scratch.data(), scratch_bytes, rt::all_kernels(),
                                         &result.model, &result.error, refuse_costly_stage);
  return result;
}

}  // namespace

LoadResult load(const std::vector<uint8_t>& blob) { return load_with(blob, true); }

LoadResult load_any_stage(const std::vector<uint8_t>& blob) { return load_with(blob, false); }

std::vector<int32_t> run(const rt::ModelView& model, const std::vector<uint8_t>& image, rt::KernelVariant variant,
                         uint8_t garbage) {
  std::vector<uint32_t> words(model.arena_bytes / 4 + 1);
  std::memset(words.data(), garbage, words.size() * 4);
  const rt::Status status = rt::run_model(model, image.data(), words.data(), model.arena_bytes, variant);
  BOOST_CHECK_MESSAGE(status == rt::Status::ok, "run_model: " << rt::status_name(status));
  if (status != rt::Status::ok) return {};
  std::vector<int32_t> codes(model.classes);
  BOOST_CHECK(rt::unpack_output(model, words.data(), codes.data(), model.classes) == rt::Status::ok);
  return codes;
}

std::vector<NamedPolicy> test_policies(const QuantGraph& graph) {
  std::vector<NamedPolicy> policies = {{"uniform 8/8", uniform_policy(graph, 8, 8)},
                                       {"uniform 4/4", uniform_policy(graph, 4, 4)},
                                       {"uniform 2/2", uniform_policy(graph, 2, 2)}};
  Policy mixed = uniform_policy(graph, 8, 8);
  static const int kBits[] = {8, 4, 2};
  for (size_t i = 0; i < mixed.layers.size(); ++i) {
    LayerBits& layer = mixed.layers[i];
    if (layer.w_bits != 0) layer.w_bits = kBits[i % 3];
    layer.a_bits = kBits[(i + 1) % 3];
  }
  policies.push_back({"mixed", mixed});
  return policies;
}

}  // namespace mpq::test
