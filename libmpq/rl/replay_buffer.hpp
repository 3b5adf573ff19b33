#pragma once

#include <cstdint>
#include <vector>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/rng.hpp"
#include "libmpq/tensor/tensor.hpp"

namespace mpq {

// One step of experience: in `state`, `action` gave `reward` and led to `next_state`;
// `done` marks the episode's last step (no bootstrapping from next_state).
struct Transition {
  std::vector<float> state;
  std::vector<float> action;
  float reward = 0.f;
  std::vector<float> next_state;
  bool done = false;
};

// A sampled minibatch, one row per transition: states and next_states [N, state_size],
// actions [N, action_size], rewards and done (0 or 1) [N, 1].
struct TransitionBatch {
  Tensor states, actions, rewards, next_states, done;
};

// Fixed-capacity ring of transitions: once full, each add overwrites the oldest.
// Storage is one flat float array allocated up front.
class ReplayBuffer {
 public:
  ReplayBuffer(int64_t capacity, int64_t state_size, int64_t action_size);

  // Requires state/next_state of state_size and action of action_size values.
  void add(const Transition& t);
  // The i-th oldest stored transition, 0 <= i < size().
  Transition at(int64_t i) const;

  // Uniform sampling: `batch_size` distinct transitions (a partial Fisher-Yates shuffle)
  // when size() >= batch_size, otherwise with replacement. Requires size() > 0; draws
  // only from `rng`, so the sample is a function of the rng state and the contents.
  void sample(int64_t batch_size, Rng& rng, TransitionBatch& out) const;

  int64_t size() const { return size_; }
  int64_t capacity() const { return capacity_; }
  int64_t state_size() const { return state_size_; }
  int64_t action_size() const { return action_size_; }

  // Sizes, ring position and the stored transitions. load() requires the same capacity
  // and sizes and leaves the buffer unchanged when it throws.
  void save(ByteWriter& out) const;
  void load(ByteReader& in);

 private:
  int64_t row_size() const { return 2 * state_size_ + action_size_ + 2; }
  int64_t slot_of(int64_t i) const;  // storage slot of the i-th oldest

  int64_t capacity_, state_size_, action_size_;
  int64_t size_ = 0;
  int64_t next_ = 0;          // slot the next add writes
  std::vector<float> rows_;   // capacity rows: state, action, reward, next_state, done
  mutable std::vector<int64_t> scratch_;  // sampling permutation, reused
};

}  // namespace mpq
