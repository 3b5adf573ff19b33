#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "libmpq/search/policy_evaluator.hpp"

namespace mpq {

// A policy to score and the bar it must beat (PolicyEvaluator::accuracy).
struct Candidate {
  Policy policy;
  double bar = -1;
};

// Scores the candidates an evaluator has no score for on the ranks of the job, spread by
// dist::run_on_ranks, and gives every rank's evaluator every score, so that afterwards
// evaluator.accuracy(c.policy, c.bar) returns without evaluating on every rank. A score
// depends only on the policy, the bar and the evaluator's options (the short fine-tune's
// seed is the options' seed, not the rank's or the episode's), hence the same on any rank.
// Copies of a policy are scored once, under the first one's bar. With one rank it just
// evaluates them in order. `scored(policy, accuracy)` (optional) is told each new score
// on every rank as soon as its round ends, so that a caller can keep it on disk before
// the next round (a killed job then loses at most one round).
void score_on_ranks(PolicyEvaluator& evaluator, const std::vector<Candidate>& candidates,
                    const std::function<void(const Policy&, double)>& scored = {});

}  // namespace mpq
