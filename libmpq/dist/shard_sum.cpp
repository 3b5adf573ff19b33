#include "libmpq/dist/shard_sum.hpp"

#include <cstring>
#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/dist/ranks.hpp"

namespace mpq::dist {

ShardRange shards_of_rank(int64_t shards, int rank, int ranks) {
  require(shards >= 1 && ranks >= 1 && rank >= 0 && rank < ranks, "dist: bad shard layout");
  // Rounded up: the first ranks get the extra shards, and rank 0 always holds shard 0.
  const int64_t n = ranks, r = rank;
  return {(shards * r + n - 1) / n, (shards * (r + 1) + n - 1) / n};
}

namespace {

template <class T>
std::vector<double> ordered(const std::vector<T>& local, int64_t shards, size_t count, bool over_ranks) {
  const int me = over_ranks ? rank() : 0, ranks = over_ranks ? size() : 1;
  const ShardRange mine = shards_of_rank(shards, me, ranks);
  require(local.size() == static_cast<size_t>(mine.count()) * count,
          "dist: rank " + std::to_string(me) + " holds " + std::to_string(local.size()) + " values for " +
              std::to_string(mine.count()) + " shards of " + std::to_string(count));
  // allgather returns the ranks' bytes in rank order, i.e. the shards in shard order.
  std::vector<std::string> all{std::string(reinterpret_cast<const char*>(local.data()), local.size() * sizeof(T))};
  if (over_ranks) all = allgather(all[0]);
  std::vector<double> sum(count, 0.0);
  int64_t shard = 0;
  std::vector<T> values(count);
  for (size_t r = 0; r < all.size(); ++r) {
    const ShardRange theirs = shards_of_rank(shards, static_cast<int>(r), static_cast<int>(all.size()));
    require(all[r].size() == static_cast<size_t>(theirs.count()) * count * sizeof(T),
            "dist: rank " + std::to_string(r) + " sent a shard sum of another size");
    for (int64_t k = 0; k < theirs.count(); ++k, ++shard) {
      std::memcpy(values.data(), all[r].data() + static_cast<size_t>(k) * count * sizeof(T), count * sizeof(T));
      if (shard == 0)
        for (size_t i = 0; i < count; ++i) sum[i] = static_cast<double>(values[i]);
      else
        for (size_t i = 0; i < count; ++i) sum[i] += static_cast<double>(values[i]);
    }
  }
  return sum;
}

}  // namespace

std::vector<double> sum_in_shard_order(const std::vector<float>& local, int64_t shards, size_t count,
                                       bool over_ranks) {
  return ordered(local, shards, count, over_ranks);
}
std::vector<double> sum_in_shard_order(const std::vector<double>& local, int64_t shards, size_t count,
                                       bool over_ranks) {
  return ordered(local, shards, count, over_ranks);
}

std::vector<std::vector<double>> every_shard_in_order(const std::vector<double>& local, int64_t shards,
                                                      bool over_ranks) {
  const int me = over_ranks ? rank() : 0;
  const ShardRange mine = shards_of_rank(shards, me, over_ranks ? size() : 1);
  require(mine.count() == 0 || local.size() % static_cast<size_t>(mine.count()) == 0,
          "dist: rank " + std::to_string(me) + " holds " + std::to_string(local.size()) + " values for " +
              std::to_string(mine.count()) + " shards");
  std::vector<std::string> all{std::string(reinterpret_cast<const char*>(local.data()), local.size() * sizeof(double))};
  if (over_ranks) all = allgather(all[0]);
  // Rank 0 always holds shard 0, so its message tells every rank the vectors' length.
  const int64_t root_shards = shards_of_rank(shards, 0, static_cast<int>(all.size())).count();
  const size_t bytes = all[0].size() / static_cast<size_t>(root_shards);
  std::vector<std::vector<double>> out;
  for (size_t r = 0; r < all.size(); ++r) {
    const ShardRange theirs = shards_of_rank(shards, static_cast<int>(r), static_cast<int>(all.size()));
    require(all[r].size() == static_cast<size_t>(theirs.count()) * bytes,
            "dist: rank " + std::to_string(r) + " sent shard statistics of another size");
    for (int64_t k = 0; k < theirs.count(); ++k) {
      out.emplace_back(bytes / sizeof(double));
      if (bytes > 0) std::memcpy(out.back().data(), all[r].data() + static_cast<size_t>(k) * bytes, bytes);
    }
  }
  return out;
}

}  // namespace mpq::dist
