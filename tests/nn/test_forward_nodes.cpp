#include <boost/test/unit_test.hpp>

#include <cstring>

#include "libmpq/core/error.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "nn/gradient_check.hpp"

namespace {

bool same_bits(const mpq::Tensor& a, const mpq::Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), static_cast<size_t>(a.size()) * sizeof(float)) == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(forward_nodes)

// From every start node, given only the earlier outputs that later nodes read (a residual
// add's branch input among them), forward_nodes reproduces forward()'s outputs bit for
// bit, and a missing one is refused.
BOOST_AUTO_TEST_CASE(a_range_from_kept_inputs_equals_the_whole_forward) {
  mpq::ModelSpec s;
  s.arch = "mobilenet_v2";  // residual adds read nodes from before the range
  mpq::Model m = mpq::build_model(s, 7);
  mpq::Rng rng(2);
  const mpq::Tensor images = mpq::test::random_tensor({3, 32, 32, 1}, rng);
  m.forward(images, false);
  const std::vector<int> last_reader = m.last_readers();
  int branch_starts = 0;
  for (size_t first = 0; first < m.size(); ++first) {
    std::vector<mpq::Tensor> outputs(m.size());
    bool skips = false;
    for (size_t k = 0; k < first; ++k)
      if (last_reader[k] >= static_cast<int>(first)) {
        outputs[k] = m.output_of(k);
        skips = skips || last_reader[k] > static_cast<int>(first);
      }
    branch_starts += skips;
    const size_t last = std::min(m.size() - 1, first + 9);
    m.forward_nodes(first, last, images, outputs);
    for (size_t i = first; i <= last; ++i) BOOST_TEST(same_bits(outputs[i], m.output_of(i)), "node " << i);
  }
  BOOST_TEST(branch_starts > 0);  // some ranges did read a node kept from before them
  // A range whose input was not kept.
  const int add = [&] {
    for (size_t i = 0; i < m.size(); ++i)
      if (m.node(i).layer->kind() == mpq::LayerKind::Add) return static_cast<int>(i);
    return -1;
  }();
  BOOST_REQUIRE(add > 0);
  std::vector<mpq::Tensor> none(m.size());
  BOOST_CHECK_THROW(m.forward_nodes(static_cast<size_t>(add), static_cast<size_t>(add), images, none), mpq::Error);
}

BOOST_AUTO_TEST_SUITE_END()
