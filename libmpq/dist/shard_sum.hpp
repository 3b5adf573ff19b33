// dist: the fixed-order sum behind data-parallel training. A global batch is cut into
// `shards` fixed parts; each part's gradient (or statistic) is a vector of `count`
// values, computed by whichever rank holds the part. Float addition is not associative,
// so the sum must not follow the ranks: it adds shard 0, then shard 1, ... in double on
// every rank, the same additions with one rank holding every shard as with N ranks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mpq::dist {

// The shards [first, last) of rank `rank` of `ranks`: contiguous, in rank order, sizes
// differing by at most one, the larger first (rank 0 always holds shard 0); the last
// ranks get none when there are fewer shards than ranks.
struct ShardRange {
  int64_t first = 0, last = 0;
  int64_t count() const { return last - first; }
};
ShardRange shards_of_rank(int64_t shards, int rank, int ranks);

// `local` holds this rank's shards_of_rank(shards, rank(), size()) vectors of `count`
// values, one after the other. Returns on every rank, in double, shard 0 + shard 1 + ...
// (shard 0's values converted exactly, then each next shard added): bit for bit the same
// for any number of ranks and with the one-rank stand-in. With over_ranks false `local`
// holds every shard and nothing is sent (a rank training on its own, as the search's
// short fine-tunes do).
std::vector<double> sum_in_shard_order(const std::vector<float>& local, int64_t shards, size_t count,
                                       bool over_ranks = true);
std::vector<double> sum_in_shard_order(const std::vector<double>& local, int64_t shards, size_t count,
                                       bool over_ranks = true);

// `local` holds this rank's shards' vectors, each of the same length (a rank without
// shards holds none). Returns every shard's vector, in shard order, on every rank: for
// statistics that are combined otherwise than by a sum (BatchNorm's means and variances,
// minima and maxima), the same combination on every rank.
std::vector<std::vector<double>> every_shard_in_order(const std::vector<double>& local, int64_t shards,
                                                      bool over_ranks = true);

}  // namespace mpq::dist
