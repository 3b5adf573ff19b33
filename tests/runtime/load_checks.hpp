#pragma once
// What the load tests (test_runtime_load*.cpp) share: a model's blob at the mixed test
// policy to damage, load_model's status for a blob, and checks that name what they expected.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libmpq/mcu/blob_layout.hpp"
#include "libmpq/nn/model.hpp"
#include "runtime/runtime_fixtures.hpp"

namespace mpq::test {

// `model` at mixed bits (test_policies' last policy) as a random valid blob: every field
// in use, each test damaging a copy.
struct MixedBlob {
  MixedBlob(const Model& model, uint64_t seed)
      : graph(build_quant_graph(model)),
        policy(test_policies(graph).back().policy),
        blob(random_valid_blob(graph, policy, seed)) {}

  QuantGraph graph;
  Policy policy;
  std::vector<uint8_t> blob;

  size_t op_named(const std::string& name) const {
    for (size_t i = 0; i < graph.ops.size(); ++i)
      if (graph.ops[i].name == name) return i;
    BOOST_FAIL("no op " << name);
    return 0;
  }
  size_t op_of_kind(QOpKind kind) const {
    for (size_t i = 0; i < graph.ops.size(); ++i)
      if (graph.ops[i].kind == kind) return i;
    BOOST_FAIL("no op of that kind");
    return 0;
  }
  OpRecord record(size_t op) const {
    return decode_op_record(blob.data() + decode_blob_header(blob.data(), "b").ops_offset + blob::kOpRecordBytes * op);
  }
};

inline rt::Status load_status(const std::vector<uint8_t>& blob) { return load(blob).status; }

// `blob` with op `op` edited: load_model refuses it with `status` and names that op.
inline void check_op_edit_refused(const std::vector<uint8_t>& blob, size_t op,
                                  const std::function<void(OpRecord&)>& edit, rt::Status status) {
  std::vector<uint8_t> bad = blob;
  edit_op(bad, op, edit);
  const LoadResult r = load(bad);
  BOOST_TEST(r.status == status);
  BOOST_TEST(r.error.op == op);
}

}  // namespace mpq::test

#define CHECK_STATUS(blob, expected)                                                     \
  do {                                                                                  \
    const mpq::rt::Status got_ = mpq::test::load_status(blob);                          \
    BOOST_CHECK_MESSAGE(got_ == (expected), "load_model: " << mpq::rt::status_name(got_) \
                                                           << ", expected "             \
                                                           << mpq::rt::status_name(expected)); \
  } while (0)
