#pragma once
// Op by op, an exported blob against the fake-quant model it came from: each record runs
// through the runtime's dispatch on the fake-quant model's input codes of the op, and its
// output codes are compared with the fake-quant model's, so that one float near-tie cannot
// spread. The export tests' shared loop (the default model, the pooling model).

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libmpq/export/integer_model.hpp"
#include "libmpq/kernels/packing.hpp"
#include "libmpq/quant/activation_quantizer.hpp"
#include "libmpq/quant/quant_graph.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/detail/run_op.hpp"
#include "libmpq/runtime/op_requirements.hpp"

namespace mpq::test {

// The codes of one image of node `name`'s output (an activation quantizer of `fq`).
inline std::vector<uint8_t> codes_of(Model& fq, const std::string& name, int64_t image) {
  const int node = fq.find(name);
  BOOST_REQUIRE(node >= 0);
  const auto* q = dynamic_cast<const ActivationQuantizer*>(fq.node(static_cast<size_t>(node)).layer.get());
  BOOST_REQUIRE(q != nullptr);
  const Tensor& t = fq.output_of(static_cast<size_t>(node));
  const int64_t per = t.size() / t.dim(0);
  std::vector<uint8_t> codes(static_cast<size_t>(per));
  for (int64_t i = 0; i < per; ++i) codes[static_cast<size_t>(i)] = static_cast<uint8_t>(q->grid().code(t[image * per + i]));
  return codes;
}

// Record r through run_op on unpacked input codes x; the output codes. bias: instead of the
// blob's (weighted ops only), or null.
inline std::vector<uint8_t> run_record(const rt::OpRecord& r, const uint8_t* blob, const std::vector<uint8_t>& x,
                                       bool reference, const int32_t* bias = nullptr) {
  namespace mk = mpq::kernels;
  std::vector<uint8_t> in(static_cast<size_t>(mk::activation_bytes(r.in_h * r.in_w, 1, r.in_c, r.input_bits)));
  BOOST_REQUIRE(mk::pack_unsigned_rows(x.data(), r.in_h * r.in_w, r.in_c, r.input_bits, in.data()) == mk::Status::ok);
  const int32_t rows = r.out_h * r.out_w;
  std::vector<uint8_t> out(static_cast<size_t>(mk::activation_bytes(rows, 1, r.out_c, r.output_bits)));
  std::vector<uint32_t> scratch(static_cast<size_t>(rt::op_requirements(r).scratch_bytes) / 4 + 1);
  rt::detail::OpTensors t{};
  t.input = in.data();
  if (r.weights_offset != 0) {
    t.weights = blob + r.weights_offset;
    const auto* params = reinterpret_cast<const int32_t*>(blob + r.channel_params_offset);
    t.bias = bias ? bias : params;
    t.multiplier = params + r.out_c;
    t.shift = params + 2 * r.out_c;
  }
  t.scratch = scratch.data();
  t.scratch_bytes = static_cast<int32_t>(scratch.size() * 4);
  t.output = out.data();
  BOOST_REQUIRE(rt::detail::run_op(rt::all_kernels(), r, t, reference) == rt::Status::ok);
  std::vector<uint8_t> codes(static_cast<size_t>(rows) * r.out_c);
  BOOST_REQUIRE(mk::unpack_unsigned_rows(out.data(), rows, r.out_c, r.output_bits, codes.data()) == mk::Status::ok);
  return codes;
}

// One op's output for one image: the blob's codes and the fake-quant model's.
struct OpOutput {
  size_t op;  // index in the graph (and the blob's op table)
  const rt::OpRecord& record;
  int64_t image;
  const std::vector<uint8_t>& input;  // the op's input codes (the fake-quant model's)
  const std::vector<uint8_t>& got;
  const std::vector<uint8_t>& want;
};

// Runs every op of `graph` (single-input ops) of blob `im` on each image of the batch that
// `fq` last ran forward, and calls visit for each. bias_of(op): a bias to use instead of
// the blob's, or null.
inline void for_each_op_output(Model& fq, const QuantGraph& graph, const IntegerModel& im, bool reference,
                               const std::function<void(const OpOutput&)>& visit,
                               const std::function<const int32_t*(size_t)>& bias_of = {}) {
  const uint8_t* blob = im.view().blob;
  const int64_t images = fq.output_of(static_cast<size_t>(fq.find("input.q"))).dim(0);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const QOp& op = graph.ops[i];
    BOOST_REQUIRE(op.inputs.size() == 1u);
    const rt::OpRecord r = rt::decode_op_record(im.view().ops + i * blob::kOpRecordBytes);
    const std::string input =
        op.inputs[0] == QOp::kInput ? "input.q" : graph.ops[static_cast<size_t>(op.inputs[0])].name + ".q";
    const int32_t* bias = bias_of ? bias_of(i) : nullptr;
    for (int64_t image = 0; image < images; ++image) {
      const std::vector<uint8_t> x = codes_of(fq, input, image);
      const std::vector<uint8_t> want = codes_of(fq, op.name + ".q", image);
      const std::vector<uint8_t> got = run_record(r, blob, x, reference, bias);
      BOOST_REQUIRE(got.size() == want.size());
      visit(OpOutput{i, r, image, x, got, want});
    }
  }
}

// Whether the fake-quant value of op `name`'s output k of `image`, in its grid's steps, is
// a tie (x.5 within float rounding): there the float rounding and the kernels' fixed-point
// multiplier may round either way.
inline bool on_tie(Model& fq, const std::string& name, int64_t image, size_t k) {
  const int node = fq.find(name);
  BOOST_REQUIRE(node >= 0);
  const auto* q = dynamic_cast<const ActivationQuantizer*>(fq.node(static_cast<size_t>(node) + 1).layer.get());
  BOOST_REQUIRE(q != nullptr);
  const Tensor& t = fq.output_of(static_cast<size_t>(node));
  const int64_t per = t.size() / t.dim(0);
  const double v = static_cast<double>(t[image * per + static_cast<int64_t>(k)]) / q->grid().scale;
  return std::abs(v - std::floor(v) - 0.5) < 1e-4;
}

// The whole blob (reference and fast kernels) on each image of `pixels` (raw, the batch
// that `fq` last ran forward) against the fake-quant logits' codes.
struct LogitAgreement {
  int64_t logits = 0, mismatches = 0;
  int64_t ties = 0;  // one code apart where the fake-quant logit sits on a rounding tie
};
inline LogitAgreement logit_agreement(Model& fq, const QuantGraph& graph, const IntegerModel& im,
                                      const std::vector<uint8_t>& pixels) {
  const std::string logits = graph.ops.back().name;
  const int64_t images = fq.output_of(static_cast<size_t>(fq.find("input.q"))).dim(0);
  const int64_t image_bytes = static_cast<int64_t>(pixels.size()) / images;
  LogitAgreement a;
  for (int64_t image = 0; image < images; ++image) {
    const std::vector<uint8_t> want = codes_of(fq, logits + ".q", image);
    for (const bool reference : {true, false}) {
      const std::vector<int32_t> got = im.run(pixels.data() + image * image_bytes, reference);
      BOOST_REQUIRE(got.size() == want.size());
      for (size_t k = 0; k < got.size(); ++k) {
        if (got[k] == want[k]) continue;
        if (std::abs(got[k] - static_cast<int32_t>(want[k])) == 1 && on_tie(fq, logits, image, k)) ++a.ties;
        else ++a.mismatches;
      }
      a.logits += static_cast<int64_t>(got.size());
    }
  }
  return a;
}

}  // namespace mpq::test
