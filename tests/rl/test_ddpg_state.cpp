#include <boost/test/unit_test.hpp>

#include <string>

#include "libmpq/core/error.hpp"
#include "rl/toy_tasks.hpp"

namespace mpq {

namespace {

// Small networks and a buffer that wraps, so the test is quick and covers the ring.
DdpgOptions small_options(uint64_t seed) {
  DdpgOptions o;
  o.state_size = 3;
  o.actor_hidden = {24, 16};
  o.critic_hidden = {20, 12};
  o.batch_size = 8;
  o.replay_capacity = 40;
  o.seed = seed;
  return o;
}

// Warm-up, then exploring episodes, then one more exploring episode whose actions are
// returned.
std::vector<float> continue_and_act(Ddpg& agent, int episodes) {
  test::ChainTask task;
  test::train(agent, task, 0, episodes, 1);
  std::vector<float> actions;
  test::run_episode(agent, task, test::Play::Explore, 1, &actions);
  return actions;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ddpg_state)

BOOST_AUTO_TEST_CASE(resumed_agent_continues_bit_identically) {
  test::ChainTask task;
  Ddpg uninterrupted(small_options(11));
  Ddpg first_half(small_options(11));
  for (Ddpg* a : {&uninterrupted, &first_half}) test::train(*a, task, 5, 12, 1);
  const std::string state = first_half.save_state();

  Ddpg resumed(small_options(99));  // the seed is irrelevant once the state is loaded
  resumed.load_state(state);
  BOOST_TEST(resumed.save_state() == state);

  const std::vector<float> expected = continue_and_act(uninterrupted, 20);
  const std::vector<float> got = continue_and_act(resumed, 20);
  BOOST_REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) BOOST_TEST(got[i] == expected[i]);
  BOOST_TEST(resumed.save_state() == uninterrupted.save_state());
  BOOST_TEST(resumed.update_count() == uninterrupted.update_count());
}

BOOST_AUTO_TEST_CASE(saving_does_not_disturb_the_agent) {
  Ddpg a(small_options(12)), b(small_options(12));
  test::ChainTask task;
  for (Ddpg* agent : {&a, &b}) test::train(*agent, task, 5, 5, 1);
  a.save_state();
  BOOST_TEST(continue_and_act(a, 3) == continue_and_act(b, 3));
}

BOOST_AUTO_TEST_CASE(corrupted_or_truncated_state_is_rejected_and_changes_nothing) {
  Ddpg source(small_options(13));
  test::ChainTask task;
  test::train(source, task, 5, 5, 1);
  const std::string state = source.save_state();

  Ddpg target(small_options(14));
  const std::string before = target.save_state();
  std::string flipped = state;
  flipped[flipped.size() / 2] ^= 0x10;
  BOOST_CHECK_THROW(target.load_state(flipped), Error);
  BOOST_CHECK_THROW(target.load_state(state.substr(0, state.size() - 1)), Error);
  BOOST_CHECK_THROW(target.load_state(state.substr(0, state.size() / 2)), Error);
  BOOST_CHECK_THROW(target.load_state(""), Error);
  BOOST_CHECK_THROW(target.load_state(state + "x"), Error);
  BOOST_TEST(target.save_state() == before);
}

BOOST_AUTO_TEST_CASE(state_from_an_agent_with_other_options_is_rejected_naming_the_option) {
  Ddpg source(small_options(15));
  DdpgOptions other = small_options(15);
  other.tau = 0.02f;
  Ddpg target(other);
  try {
    target.load_state(source.save_state());
    BOOST_FAIL("expected an Error");
  } catch (const Error& e) {
    BOOST_TEST(std::string(e.what()).find("tau") != std::string::npos, e.what());
  }
  DdpgOptions wider = small_options(15);
  wider.critic_hidden = {20, 13};
  Ddpg target2(wider);
  BOOST_CHECK_THROW(target2.load_state(source.save_state()), Error);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace mpq
