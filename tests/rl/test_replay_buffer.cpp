#include <boost/test/unit_test.hpp>

#include <set>

#include "libmpq/core/error.hpp"
#include "libmpq/rl/replay_buffer.hpp"

namespace mpq {
namespace {

// Transition number k: every value derived from k, so a sampled row tells which it was.
Transition numbered(int k) {
  const float f = static_cast<float>(k);
  return {{f, f + 0.25f}, {f + 0.5f}, -f, {f + 1.f, f + 1.25f}, k % 2 == 1};
}

void require_row_is_a_whole_transition(const TransitionBatch& b, int64_t r) {
  const float k = b.states[r * 2];
  BOOST_TEST(b.states[r * 2 + 1] == k + 0.25f);
  BOOST_TEST(b.actions[r] == k + 0.5f);
  BOOST_TEST(b.rewards[r] == -k);
  BOOST_TEST(b.next_states[r * 2] == k + 1.f);
  BOOST_TEST(b.next_states[r * 2 + 1] == k + 1.25f);
  BOOST_TEST(b.done[r] == (static_cast<int>(k) % 2 == 1 ? 1.f : 0.f));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(replay_buffer)

BOOST_AUTO_TEST_CASE(wraps_around_dropping_the_oldest) {
  ReplayBuffer buf(3, 2, 1);
  for (int k = 0; k < 2; ++k) buf.add(numbered(k));
  BOOST_TEST(buf.size() == 2);
  BOOST_TEST(buf.at(0).state[0] == 0.f);
  for (int k = 2; k < 7; ++k) buf.add(numbered(k));
  BOOST_TEST(buf.size() == 3);
  BOOST_TEST(buf.capacity() == 3);
  for (int i = 0; i < 3; ++i) {
    const Transition t = buf.at(i);
    BOOST_TEST(t.state[0] == static_cast<float>(4 + i));
    BOOST_TEST(t.next_state[1] == static_cast<float>(4 + i) + 1.25f);
    BOOST_TEST(t.done == ((4 + i) % 2 == 1));
  }
  BOOST_CHECK_THROW(buf.at(3), Error);
}

BOOST_AUTO_TEST_CASE(sampling_returns_whole_stored_transitions_uniformly) {
  ReplayBuffer buf(10, 2, 1);
  for (int k = 0; k < 25; ++k) buf.add(numbered(k));  // holds 15..24
  Rng rng(1);
  TransitionBatch b;
  std::vector<int> counts(25, 0);
  const int draws = 2000;
  for (int d = 0; d < draws; ++d) {
    buf.sample(4, rng, b);
    for (int64_t r = 0; r < 4; ++r) {
      require_row_is_a_whole_transition(b, r);
      counts[static_cast<size_t>(b.states[r * 2])]++;
    }
  }
  for (int k = 0; k < 15; ++k) BOOST_TEST(counts[static_cast<size_t>(k)] == 0);
  // Each of the 10 stored transitions expects 800 of the 8000 rows (sd about 27).
  for (int k = 15; k < 25; ++k) BOOST_TEST(std::abs(counts[static_cast<size_t>(k)] - 800) < 150);
}

BOOST_AUTO_TEST_CASE(a_batch_no_larger_than_the_buffer_has_distinct_transitions) {
  ReplayBuffer buf(8, 2, 1);
  for (int k = 0; k < 8; ++k) buf.add(numbered(k));
  Rng rng(2);
  TransitionBatch b;
  for (int d = 0; d < 50; ++d) {
    buf.sample(8, rng, b);
    std::set<float> seen;
    for (int64_t r = 0; r < 8; ++r) seen.insert(b.states[r * 2]);
    BOOST_TEST(seen.size() == 8u);
  }
}

BOOST_AUTO_TEST_CASE(a_batch_larger_than_the_buffer_samples_with_replacement) {
  ReplayBuffer buf(8, 2, 1);
  for (int k = 0; k < 3; ++k) buf.add(numbered(k));
  Rng rng(3);
  TransitionBatch b;
  buf.sample(16, rng, b);
  BOOST_TEST(b.states.dim(0) == 16);
  for (int64_t r = 0; r < 16; ++r) {
    require_row_is_a_whole_transition(b, r);
    BOOST_TEST(b.states[r * 2] < 3.f);
  }
}

BOOST_AUTO_TEST_CASE(sampling_is_a_function_of_the_rng_state) {
  ReplayBuffer buf(50, 2, 1);
  for (int k = 0; k < 30; ++k) buf.add(numbered(k));
  Rng a(7), b(7);
  TransitionBatch ba, bb;
  for (int d = 0; d < 5; ++d) {
    buf.sample(8, a, ba);
    buf.sample(8, b, bb);
    for (int64_t i = 0; i < ba.states.size(); ++i) BOOST_TEST(ba.states[i] == bb.states[i]);
  }
}

BOOST_AUTO_TEST_CASE(bad_transitions_and_empty_sampling_are_rejected) {
  ReplayBuffer buf(4, 2, 1);
  Rng rng(1);
  TransitionBatch b;
  BOOST_CHECK_THROW(buf.sample(2, rng, b), Error);
  Transition t = numbered(0);
  t.action.push_back(1.f);
  BOOST_CHECK_THROW(buf.add(t), Error);
  BOOST_CHECK_THROW(ReplayBuffer(0, 2, 1), Error);
}

BOOST_AUTO_TEST_CASE(save_load_round_trip_keeps_order_and_position) {
  ReplayBuffer buf(4, 2, 1);
  for (int k = 0; k < 6; ++k) buf.add(numbered(k));
  ByteWriter out;
  buf.save(out);
  ReplayBuffer copy(4, 2, 1);
  ByteReader in(out.bytes(), "test");
  copy.load(in);
  BOOST_TEST(copy.size() == 4);
  for (int i = 0; i < 4; ++i) BOOST_TEST(copy.at(i).state[0] == buf.at(i).state[0]);
  buf.add(numbered(6));
  copy.add(numbered(6));
  for (int i = 0; i < 4; ++i) BOOST_TEST(copy.at(i).state[0] == buf.at(i).state[0]);
  ReplayBuffer other(5, 2, 1);
  ByteReader again(out.bytes(), "test");
  BOOST_CHECK_THROW(other.load(again), Error);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace mpq
