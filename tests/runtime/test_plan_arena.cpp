// The arena planner: buffers live at the same time never share a byte (checked by brute
// force on random buffer sets), offsets are aligned, and the arena is never below the bound.
#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

#include "libmpq/runtime/plan_arena.hpp"

using mpq::rt::arena_lower_bound;
using mpq::rt::ArenaBuffer;
using mpq::rt::plan_arena;
using mpq::rt::PlanStatus;

namespace {

struct Plan {
  std::vector<ArenaBuffer> buffers;
  uint32_t arena = 0;
  PlanStatus status = PlanStatus::bad_argument;
};

Plan plan(std::vector<ArenaBuffer> buffers, uint32_t alignment) {
  Plan p;
  p.buffers = std::move(buffers);
  std::vector<uint16_t> order(p.buffers.size() + 1);
  p.status = plan_arena(p.buffers.data(), static_cast<uint16_t>(p.buffers.size()), alignment, order.data(), &p.arena);
  return p;
}

bool live_together(const ArenaBuffer& a, const ArenaBuffer& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}

// Every invariant a placement must hold, checked pair by pair.
void check_placement(const Plan& p, uint32_t alignment) {
  BOOST_REQUIRE(p.status == PlanStatus::ok);
  BOOST_TEST(p.arena % alignment == 0u);
  for (size_t i = 0; i < p.buffers.size(); ++i) {
    const ArenaBuffer& a = p.buffers[i];
    BOOST_TEST(a.offset % alignment == 0u, "buffer " << i << " at " << a.offset);
    BOOST_TEST(a.offset + a.size <= p.arena, "buffer " << i << " ends past the arena");
    for (size_t j = i + 1; j < p.buffers.size(); ++j) {
      const ArenaBuffer& b = p.buffers[j];
      if (a.size == 0 || b.size == 0 || !live_together(a, b)) continue;
      const bool disjoint = a.offset + a.size <= b.offset || b.offset + b.size <= a.offset;
      BOOST_TEST(disjoint, "buffers " << i << " [" << a.offset << ", +" << a.size << ") and " << j << " ["
                                      << b.offset << ", +" << b.size << ") are live together and overlap");
    }
  }
  BOOST_TEST(p.arena >= arena_lower_bound(p.buffers.data(), static_cast<uint16_t>(p.buffers.size()), alignment));
}

uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) / a * a; }

}  // namespace

BOOST_AUTO_TEST_SUITE(plan_arena_suite)

BOOST_AUTO_TEST_CASE(random_buffer_sets_never_overlap_while_live_and_respect_the_bound) {
  std::mt19937 rng(12345);
  const uint32_t alignments[] = {1, 2, 4, 8, 16, 64};
  for (int trial = 0; trial < 600; ++trial) {
    const uint32_t alignment = alignments[rng() % 6];
    const int count = 1 + static_cast<int>(rng() % 60);
    const int steps = 1 + static_cast<int>(rng() % 40);
    std::vector<ArenaBuffer> buffers(static_cast<size_t>(count));
    for (ArenaBuffer& b : buffers) {
      // Mostly small sizes with ties, some large, some zero: ties exercise the ordering.
      const uint32_t kind = rng() % 10;
      b.size = kind == 0 ? 0 : kind < 4 ? 16 * (1 + rng() % 4) : 1 + rng() % (kind < 9 ? 500 : 100000);
      b.first_step = static_cast<uint16_t>(rng() % steps);
      const uint16_t span = static_cast<uint16_t>(rng() % 3 == 0 ? rng() % steps : rng() % 3);
      b.last_step = static_cast<uint16_t>(b.first_step + span);
      b.offset = 0xDEADBEEF;
    }
    const Plan p = plan(buffers, alignment);
    check_placement(p, alignment);
    for (size_t i = 0; i < buffers.size(); ++i) {
      BOOST_TEST(p.buffers[i].size == buffers[i].size);  // only offsets are written
      BOOST_TEST(p.buffers[i].first_step == buffers[i].first_step);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_lower_bound_is_the_largest_aligned_sum_live_at_one_step) {
  std::vector<ArenaBuffer> b = {{10, 0, 1, 0}, {7, 1, 2, 0}, {100, 3, 3, 0}, {1, 2, 3, 0}};
  // step 1: 10 + 7 -> 12 + 8 = 20 (alignment 4); step 3: 100 + 1 -> 100 + 4.
  BOOST_TEST(arena_lower_bound(b.data(), 4, 4) == 104u);
  BOOST_TEST(arena_lower_bound(b.data(), 4, 1) == 101u);
  BOOST_TEST(arena_lower_bound(b.data(), 0, 4) == 0u);
}

BOOST_AUTO_TEST_CASE(buffers_with_disjoint_lifetimes_share_offset_zero) {
  const Plan p = plan({{100, 0, 0, 0}, {50, 1, 1, 0}, {80, 2, 3, 0}}, 4);
  check_placement(p, 4);
  for (const ArenaBuffer& b : p.buffers) BOOST_TEST(b.offset == 0u);
  BOOST_TEST(p.arena == 100u);
}

BOOST_AUTO_TEST_CASE(a_chain_of_layers_ping_pongs_between_two_slots) {
  // Layer i reads buffer i and writes buffer i + 1: each buffer lives two steps.
  std::vector<ArenaBuffer> chain;
  for (uint16_t i = 0; i < 8; ++i) chain.push_back({64, i, static_cast<uint16_t>(i + 1), 0});
  const Plan p = plan(chain, 4);
  check_placement(p, 4);
  BOOST_TEST(p.arena == 128u);
  for (size_t i = 0; i + 1 < p.buffers.size(); ++i) BOOST_TEST(p.buffers[i].offset != p.buffers[i + 1].offset);
}

BOOST_AUTO_TEST_CASE(sizes_round_up_to_the_alignment_and_offsets_are_aligned) {
  const Plan p = plan({{5, 0, 1, 0}, {5, 1, 2, 0}, {3, 1, 1, 0}}, 8);
  check_placement(p, 8);
  BOOST_TEST(p.arena == 24u);  // three live at step 1, each in its own 8-byte slot
  const Plan tight = plan({{5, 0, 1, 0}, {5, 1, 2, 0}, {3, 1, 1, 0}}, 1);
  check_placement(tight, 1);
  BOOST_TEST(tight.arena == 13u);
}

BOOST_AUTO_TEST_CASE(zero_sized_buffers_take_no_space) {
  const Plan p = plan({{0, 0, 5, 0}, {32, 0, 5, 0}, {0, 2, 2, 0}}, 4);
  check_placement(p, 4);
  BOOST_TEST(p.arena == 32u);
}

BOOST_AUTO_TEST_CASE(an_empty_buffer_list_needs_no_arena) {
  uint32_t arena = 123;
  BOOST_TEST((plan_arena(nullptr, 0, 4, nullptr, &arena) == PlanStatus::ok));
  BOOST_TEST(arena == 0u);
}

BOOST_AUTO_TEST_CASE(the_same_buffers_always_get_the_same_offsets) {
  std::vector<ArenaBuffer> b = {{64, 0, 2, 0}, {64, 1, 3, 0}, {64, 2, 4, 0}, {32, 1, 1, 0}, {64, 0, 4, 0}};
  const Plan first = plan(b, 4);
  const Plan second = plan(b, 4);
  for (size_t i = 0; i < b.size(); ++i) BOOST_TEST(first.buffers[i].offset == second.buffers[i].offset);
  // Greedy order: larger first, then earlier first_step, then lower index.
  BOOST_TEST(first.buffers[0].offset == 0u);
  BOOST_TEST(first.buffers[4].offset == 64u);
  BOOST_TEST(first.buffers[1].offset == 128u);
}

BOOST_AUTO_TEST_CASE(bad_arguments_are_refused_with_a_status) {
  std::vector<ArenaBuffer> b = {{8, 0, 1, 0}};
  std::vector<uint16_t> order(1);
  uint32_t arena = 0;
  BOOST_TEST((plan_arena(b.data(), 1, 0, order.data(), &arena) == PlanStatus::bad_argument));
  BOOST_TEST((plan_arena(b.data(), 1, 3, order.data(), &arena) == PlanStatus::bad_argument));
  BOOST_TEST((plan_arena(b.data(), 1, 4, nullptr, &arena) == PlanStatus::bad_argument));
  BOOST_TEST((plan_arena(nullptr, 1, 4, order.data(), &arena) == PlanStatus::bad_argument));
  BOOST_TEST((plan_arena(b.data(), 1, 4, order.data(), nullptr) == PlanStatus::bad_argument));
  b[0] = {8, 3, 2, 0};  // ends before it starts
  BOOST_TEST((plan_arena(b.data(), 1, 4, order.data(), &arena) == PlanStatus::bad_argument));
}

BOOST_AUTO_TEST_CASE(the_arena_never_exceeds_the_sum_of_all_aligned_sizes) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<ArenaBuffer> b(1 + rng() % 30);
    uint32_t sum = 0;
    for (ArenaBuffer& x : b) {
      x = {1 + static_cast<uint32_t>(rng() % 1000), static_cast<uint16_t>(rng() % 10), 0, 0};
      x.last_step = static_cast<uint16_t>(x.first_step + rng() % 4);
      sum += align_up(x.size, 16);
    }
    const Plan p = plan(b, 16);
    check_placement(p, 16);
    BOOST_TEST(p.arena <= sum);
  }
}

BOOST_AUTO_TEST_SUITE_END()
