// Shared test helpers: small hand-built models whose FLASH and RAM the tests compute by
// hand, and an error-message check.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/add.hpp"
#include "libmpq/nn/batch_norm.hpp"
#include "libmpq/nn/conv2d.hpp"
#include "libmpq/nn/global_avg_pool.hpp"
#include "libmpq/nn/linear.hpp"
#include "libmpq/nn/model.hpp"
#include "libmpq/nn/pool2d.hpp"
#include "libmpq/quant/quant_graph.hpp"
#include "nn/tiny_model.hpp"

namespace mpq::test {

// A plain chain on a 1x8x8 input: conv 3x3 stride 2 (1->4) BN ReLU, pointwise (4->6) BN
// ReLU, global pool, linear 6->3.
inline Model chain_model() {
  Model m(small_spec("chain", 1, 8, 3));
  int x = m.add("c1", std::make_unique<Conv2d>(1, 4, 3, 2, 1), {Model::kInput});
  x = m.add("b1", std::make_unique<BatchNorm>(4), {x});
  x = m.add("r1", std::make_unique<ReLU>(), {x});
  x = m.add("c2", std::make_unique<Conv2d>(4, 6, 1, 1, 0), {x});
  x = m.add("b2", std::make_unique<BatchNorm>(6), {x});
  x = m.add("r2", std::make_unique<ReLU>(), {x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(6, 3), {x});
  return m;
}

// Odd channel counts, so that 2-bit rows end in partial bytes: a 3x6x6 input, conv 3x3
// (3->5) BN ReLU, depthwise 3x3 stride 2 (5) BN ReLU6, pointwise (5->7) BN ReLU, global
// pool, linear 7->3.
inline Model odd_channel_model() {
  Model m(small_spec("odd", 3, 6, 3));
  int x = m.add("c1", std::make_unique<Conv2d>(3, 5, 3, 1, 1), {Model::kInput});
  x = m.add("b1", std::make_unique<BatchNorm>(5), {x});
  x = m.add("r1", std::make_unique<ReLU>(), {x});
  x = m.add("dw", std::make_unique<Conv2d>(5, 5, 3, 2, 1, 5), {x});
  x = m.add("b2", std::make_unique<BatchNorm>(5), {x});
  x = m.add("r2", std::make_unique<ReLU>(6.f), {x});
  x = m.add("pw", std::make_unique<Conv2d>(5, 7, 1, 1, 0), {x});
  x = m.add("b3", std::make_unique<BatchNorm>(7), {x});
  x = m.add("r3", std::make_unique<ReLU>(), {x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(7, 3), {x});
  return m;
}

// The residual block of tests/nn/tiny_model.hpp on a 1x8x8 input: conv 3x3 (1->8) BN ReLU
// -> r, depthwise 3x3 BN ReLU6, pointwise (8->8) BN, add(r, .), pool, linear 8->3.
inline Model residual_model() { return tiny_model(8, 3); }

// Every window pooling op on a 3x9x9 input: conv 3x3 (3->5) BN ReLU, max pool 3x3/2 p1
// (-> 5x5), pointwise (5->6) BN (no ReLU: the pools see a zero point), average pool 3x3/1 p1
// without count_include_pad, average pool 2x2/2 p1 with it (-> 3x3), pointwise (6->7) BN
// ReLU, max pool 2x2/1 (-> 2x2), global pool, linear 7->3. Odd channel counts: 2-bit rows
// end in partial bytes.
inline Model pooling_model() {
  Model m(small_spec("pooling", 3, 9, 3));
  int x = m.add("c1", std::make_unique<Conv2d>(3, 5, 3, 1, 1), {Model::kInput});
  x = m.add("b1", std::make_unique<BatchNorm>(5), {x});
  x = m.add("r1", std::make_unique<ReLU>(), {x});
  x = m.add("mp1", std::make_unique<Pool2d>(Pool2d::Mode::Max, 3, 2, 1), {x});
  x = m.add("c2", std::make_unique<Conv2d>(5, 6, 1, 1, 0), {x});
  x = m.add("b2", std::make_unique<BatchNorm>(6), {x});
  x = m.add("ap1", std::make_unique<Pool2d>(Pool2d::Mode::Average, 3, 1, 1, /*count_include_pad=*/false), {x});
  x = m.add("ap2", std::make_unique<Pool2d>(Pool2d::Mode::Average, 2, 2, 1, /*count_include_pad=*/true), {x});
  x = m.add("c3", std::make_unique<Conv2d>(6, 7, 1, 1, 0), {x});
  x = m.add("b3", std::make_unique<BatchNorm>(7), {x});
  x = m.add("r3", std::make_unique<ReLU>(), {x});
  x = m.add("mp2", std::make_unique<Pool2d>(Pool2d::Mode::Max, 2, 1, 0), {x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(7, 3), {x});
  return m;
}

// Windows that are not square on a 1x13x10 input (the shapes of a keyword-spotting stem):
// conv 5x3/2x1 p(t,l,b,r) 2,1,2,0 (1->6) BN ReLU (-> 7x9), depthwise 3x1/1x2 p 1,0,1,0 BN
// ReLU6 (-> 7x5), max pool 2x3/2x1 p 0,1,1,1 (-> 4x5), pointwise (6->7) BN (a zero point),
// average pool 3x2/1x2 p 1,0,1,1 without count_include_pad (-> 4x3), average pool 2x3/1x1
// p 0,1,1,2 with it (-> 4x4), conv 1x3/1 p 0,1,0,1 (7->5; kernel 1, stride 1 and top padding
// 0 along H, yet not pointwise) BN ReLU, global pool, linear 5->3.
inline Model window_model() {
  ModelSpec spec = small_spec("windows", 1, 13, 3);
  spec.in_width = 10;
  Model m(spec);
  auto window = [](int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t top, int64_t left, int64_t bottom,
                   int64_t right) { return Window2d{kh, kw, sh, sw, top, left, bottom, right}; };
  int x = m.add("c1", std::make_unique<Conv2d>(1, 6, window(5, 3, 2, 1, 2, 1, 2, 0), 1, false), {Model::kInput});
  x = m.add("b1", std::make_unique<BatchNorm>(6), {x});
  x = m.add("r1", std::make_unique<ReLU>(), {x});
  x = m.add("dw", std::make_unique<Conv2d>(6, 6, window(3, 1, 1, 2, 1, 0, 1, 0), 6, false), {x});
  x = m.add("b2", std::make_unique<BatchNorm>(6), {x});
  x = m.add("r2", std::make_unique<ReLU>(6.f), {x});
  x = m.add("mp1", std::make_unique<Pool2d>(Pool2d::Mode::Max, window(2, 3, 2, 1, 0, 1, 1, 1), true), {x});
  x = m.add("c2", std::make_unique<Conv2d>(6, 7, 1, 1, 0), {x});
  x = m.add("b3", std::make_unique<BatchNorm>(7), {x});
  x = m.add("ap1", std::make_unique<Pool2d>(Pool2d::Mode::Average, window(3, 2, 1, 2, 1, 0, 1, 1), false), {x});
  x = m.add("ap2", std::make_unique<Pool2d>(Pool2d::Mode::Average, window(2, 3, 1, 1, 0, 1, 1, 2), true), {x});
  x = m.add("c3", std::make_unique<Conv2d>(7, 5, window(1, 3, 1, 1, 0, 1, 0, 1), 1, false), {x});
  x = m.add("b4", std::make_unique<BatchNorm>(5), {x});
  x = m.add("r3", std::make_unique<ReLU>(), {x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(5, 3), {x});
  return m;
}

inline QuantGraph graph_of(const Model& m) { return build_quant_graph(m); }

// The small graphs above by name, for tests that run every one of them the same way.
struct NamedModel {
  const char* label;
  Model model;
};
inline std::vector<NamedModel> small_graphs() {
  std::vector<NamedModel> graphs;
  graphs.push_back({"chain", chain_model()});
  graphs.push_back({"odd channels", odd_channel_model()});
  graphs.push_back({"residual", residual_model()});
  graphs.push_back({"pooling", pooling_model()});
  graphs.push_back({"windows", window_model()});
  return graphs;
}

// `fn` throws mpq::Error whose message contains every one of `parts`.
inline void check_error_mentions(const std::function<void()>& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    BOOST_ERROR("expected mpq::Error");
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) BOOST_TEST(message.find(part) != std::string::npos, "'" << message << "' mentions '" << part << "'");
  }
}

}  // namespace mpq::test
