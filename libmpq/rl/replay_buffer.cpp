#include "libmpq/rl/replay_buffer.hpp"

#include <algorithm>
#include <string>

#include "libmpq/core/error.hpp"

namespace mpq {

ReplayBuffer::ReplayBuffer(int64_t capacity, int64_t state_size, int64_t action_size)
    : capacity_(capacity), state_size_(state_size), action_size_(action_size) {
  require(capacity > 0 && state_size > 0 && action_size > 0,
          "replay buffer: capacity " + std::to_string(capacity) + ", state size " + std::to_string(state_size) +
              " and action size " + std::to_string(action_size) + " must be positive");
  rows_.assign(static_cast<size_t>(capacity * row_size()), 0.f);
}

void ReplayBuffer::add(const Transition& t) {
  require(static_cast<int64_t>(t.state.size()) == state_size_ &&
              static_cast<int64_t>(t.next_state.size()) == state_size_ &&
              static_cast<int64_t>(t.action.size()) == action_size_,
          "replay buffer: transition with state " + std::to_string(t.state.size()) + ", action " +
              std::to_string(t.action.size()) + ", next state " + std::to_string(t.next_state.size()) +
              " values, expected " + std::to_string(state_size_) + ", " + std::to_string(action_size_) + ", " +
              std::to_string(state_size_));
  float* row = rows_.data() + next_ * row_size();
  row = std::copy(t.state.begin(), t.state.end(), row);
  row = std::copy(t.action.begin(), t.action.end(), row);
  *row++ = t.reward;
  row = std::copy(t.next_state.begin(), t.next_state.end(), row);
  *row = t.done ? 1.f : 0.f;
  next_ = (next_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
}

int64_t ReplayBuffer::slot_of(int64_t i) const {
  require(i >= 0 && i < size_, "replay buffer: index " + std::to_string(i) + " out of range [0, " +
                                   std::to_string(size_) + ")");
  // The oldest is at next_ once the ring is full, at 0 before.
  return (next_ - size_ + i + capacity_) % capacity_;
}

Transition ReplayBuffer::at(int64_t i) const {
  const float* row = rows_.data() + slot_of(i) * row_size();
  Transition t;
  t.state.assign(row, row + state_size_);
  row += state_size_;
  t.action.assign(row, row + action_size_);
  row += action_size_;
  t.reward = *row++;
  t.next_state.assign(row, row + state_size_);
  row += state_size_;
  t.done = *row != 0.f;
  return t;
}

void ReplayBuffer::sample(int64_t batch_size, Rng& rng, TransitionBatch& out) const {
  require(batch_size > 0, "replay buffer: batch size must be positive, got " + std::to_string(batch_size));
  require(size_ > 0, "replay buffer: cannot sample from an empty buffer");
  out.states.resize({batch_size, state_size_});
  out.actions.resize({batch_size, action_size_});
  out.rewards.resize({batch_size, 1});
  out.next_states.resize({batch_size, state_size_});
  out.done.resize({batch_size, 1});
  const bool distinct = size_ >= batch_size;
  if (distinct) {
    scratch_.resize(static_cast<size_t>(size_));
    for (int64_t i = 0; i < size_; ++i) scratch_[static_cast<size_t>(i)] = i;
  }
  for (int64_t b = 0; b < batch_size; ++b) {
    int64_t slot;
    if (distinct) {
      const int64_t j = b + static_cast<int64_t>(rng.below(static_cast<uint64_t>(size_ - b)));
      std::swap(scratch_[static_cast<size_t>(b)], scratch_[static_cast<size_t>(j)]);
      slot = scratch_[static_cast<size_t>(b)];
    } else {
      slot = static_cast<int64_t>(rng.below(static_cast<uint64_t>(size_)));
    }
    // Slots [0, size) are exactly the filled ones (the ring is either full or filled
    // from 0), so a slot needs no mapping through slot_of.
    const float* row = rows_.data() + slot * row_size();
    std::copy(row, row + state_size_, out.states.data() + b * state_size_);
    row += state_size_;
    std::copy(row, row + action_size_, out.actions.data() + b * action_size_);
    row += action_size_;
    out.rewards[b] = *row++;
    std::copy(row, row + state_size_, out.next_states.data() + b * state_size_);
    row += state_size_;
    out.done[b] = *row;
  }
}

void ReplayBuffer::save(ByteWriter& out) const {
  out.i64(capacity_);
  out.i64(state_size_);
  out.i64(action_size_);
  out.i64(size_);
  out.i64(next_);
  // Only the filled slots (slots [0, size)), so an early checkpoint stays small.
  out.floats(rows_.data(), static_cast<size_t>(size_ * row_size()));
}

void ReplayBuffer::load(ByteReader& in) {
  const int64_t capacity = in.i64("replay capacity");
  const int64_t state_size = in.i64("replay state size");
  const int64_t action_size = in.i64("replay action size");
  require(capacity == capacity_ && state_size == state_size_ && action_size == action_size_,
          "replay buffer load: stored capacity " + std::to_string(capacity) + ", state size " +
              std::to_string(state_size) + ", action size " + std::to_string(action_size) + ", expected " +
              std::to_string(capacity_) + ", " + std::to_string(state_size_) + ", " + std::to_string(action_size_));
  const int64_t size = in.i64("replay size");
  const int64_t next = in.i64("replay next slot");
  require(size >= 0 && size <= capacity_ && next >= 0 && next < capacity_ && (size == capacity_ || next == size),
          "replay buffer load: size " + std::to_string(size) + " and next slot " + std::to_string(next) +
              " are inconsistent with capacity " + std::to_string(capacity_));
  std::vector<float> rows(rows_.size(), 0.f);
  in.floats(rows.data(), static_cast<size_t>(size * row_size()), "replay transitions");
  rows_ = std::move(rows);
  size_ = size;
  next_ = next;
}

}  // namespace mpq
