#pragma once

#include <cstdint>

namespace mpq {

// A small, fast, portable generator (xoshiro256**, seeded by splitmix64). Unlike the
// <random> distributions, every draw here is specified bit for bit, so a seed gives the
// same run on every compiler and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0);

  uint64_t next_u64();
  // Uniform in [0, 1).
  float uniform();
  // Uniform integer in [0, n); n > 0.
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller; the spare value is cached).
  float normal();

  // Everything a later draw depends on, so that a checkpointed run continues with the
  // same numbers (the cached spare normal included).
  struct State {
    uint64_t s[4];
    bool has_spare;
    float spare;
  };
  State state() const;
  void set_state(const State& state);

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.f;
};

}  // namespace mpq
