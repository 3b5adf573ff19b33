// libmpq/dist under mpirun (meson test dist_ranks runs it on 3 ranks, and alone as one
// rank): every collective gives every rank the expected bytes and sums. A plain main,
// not Boost.Test: each rank checks its own view and the job fails when one rank does.
#include <cstdio>
#include <string>
#include <vector>

#include "libmpq/dist/ranks.hpp"
#include "libmpq/dist/run_on_ranks.hpp"
#include "libmpq/dist/shard_sum.hpp"

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "rank %d: %s\n", mpq::dist::rank(), what.c_str());
  ++failures;
}

// Bytes of different lengths per rank, with a zero byte inside.
std::string bytes_of(int rank) { return std::string(static_cast<size_t>(rank) * 3, 'a' + static_cast<char>(rank)) + '\0'; }

}  // namespace

int main(int argc, char** argv) {
  mpq::dist::init(argc, argv);
  const int rank = mpq::dist::rank(), size = mpq::dist::size();
  check(rank >= 0 && rank < size, "rank out of 0..size-1");
  if (argc > 1) check(size == std::stoi(argv[1]), "size " + std::to_string(size) + ", expected " + argv[1]);

  check(mpq::dist::broadcast(rank == 0 ? "from root" : "ignored") == "from root", "broadcast");
  const std::vector<std::string> all = mpq::dist::allgather(bytes_of(rank));
  check(static_cast<int>(all.size()) == size, "allgather count");
  for (int r = 0; r < static_cast<int>(all.size()); ++r) check(all[static_cast<size_t>(r)] == bytes_of(r), "allgather bytes");
  const std::vector<std::string> gathered = mpq::dist::gather(bytes_of(rank));
  check(rank == 0 ? gathered == all : gathered.empty(), "gather");

  // Values whose float sum depends on the order of the additions (on 3 ranks, in rank
  // order (1 + 1e8) - 1e8 = 0, in another 1): every rank must get rank 0 + rank 1 + ...
  auto term = [](int r) { return r == 0 ? 1.f : (r % 2 ? 1e8f : -1e8f); };
  std::vector<float> f{term(rank), static_cast<float>(rank)};
  float expected = 0.f;
  for (int r = 0; r < size; ++r) expected += term(r);
  mpq::dist::allreduce_sum(f.data(), f.size());
  check(f[0] == expected, "allreduce_sum order");
  check(f[1] == static_cast<float>(size * (size - 1) / 2), "allreduce_sum");
  double d = 0.5;
  mpq::dist::allreduce_sum(&d, 1);
  check(d == 0.5 * size, "allreduce_sum double");

  // Data-parallel training's fixed-order sum: 5 shards of 2 values, over the ranks and
  // all on this rank. In double, shard order gives ((1 + 1e17) - 1e17) + 2 + 0.5 = 2.5;
  // any order adding 1e17 and -1e17 first gives 3.5.
  const std::vector<float> shard_values{1.f, 1e17f, -1e17f, 2.f, 0.5f};
  std::vector<float> every_shard, my_shards;
  for (size_t k = 0; k < shard_values.size(); ++k)
    every_shard.insert(every_shard.end(), {shard_values[k], static_cast<float>(k)});
  const mpq::dist::ShardRange mine = mpq::dist::shards_of_rank(5, rank, size);
  my_shards.assign(every_shard.begin() + 2 * mine.first, every_shard.begin() + 2 * mine.last);
  const std::vector<double> over_ranks = mpq::dist::sum_in_shard_order(my_shards, 5, 2);
  check(over_ranks == std::vector<double>{2.5, 10.0}, "sum_in_shard_order over the ranks");
  check(mpq::dist::sum_in_shard_order(every_shard, 5, 2, false) == over_ranks, "sum_in_shard_order on one rank");
  // Fewer shards than ranks: ranks without a shard send none and still get the sum.
  const mpq::dist::ShardRange one = mpq::dist::shards_of_rank(1, rank, size);
  check(one.count() == (rank == 0 ? 1 : 0), "shards_of_rank with fewer shards than ranks");
  const std::vector<double> quarter =
      mpq::dist::sum_in_shard_order(std::vector<double>(static_cast<size_t>(one.count()), 0.25), 1, 1);
  check(quarter == std::vector<double>{0.25}, "sum_in_shard_order of one shard");
  // Statistics combined otherwise than by a sum: every shard's vector, in shard order,
  // on every rank (including those without a shard).
  std::vector<double> my_statistics;
  for (int64_t k = mine.first; k < mine.last; ++k) my_statistics.insert(my_statistics.end(), {double(k), -0.5 * k});
  const std::vector<std::vector<double>> statistics = mpq::dist::every_shard_in_order(my_statistics, 5);
  check(statistics.size() == 5, "every_shard_in_order count");
  for (size_t k = 0; k < statistics.size(); ++k)
    check(statistics[k] == std::vector<double>{double(k), -0.5 * static_cast<double>(k)},
          "every_shard_in_order values");
  const std::vector<std::vector<double>> lone =
      mpq::dist::every_shard_in_order(std::vector<double>(one.count() ? 2 : 0, 7.0), 1);
  check(lone == std::vector<std::vector<double>>{{7.0, 7.0}}, "every_shard_in_order of one shard");
  int64_t next = 0;
  for (int r = 0; r < size; ++r) {
    const mpq::dist::ShardRange range = mpq::dist::shards_of_rank(5, r, size);
    check(range.first == next && range.count() >= 5 / size && range.count() <= 5 / size + 1, "shards_of_rank layout");
    next = range.last;
  }
  check(next == 5, "shards_of_rank covers every shard");

  // 7 jobs: uneven rounds; each job runs on rank job % size, every rank collects all.
  std::string order;
  mpq::dist::run_on_ranks(
      7,
      [&](int64_t job) {
        check(job % size == rank, "job on the wrong rank");
        return std::to_string(job * job);
      },
      [&](int64_t job, const std::string& result) {
        check(result == std::to_string(job * job), "job result");
        order += std::to_string(job);
      });
  check(order == "0123456", "collected out of order: " + order);
  mpq::dist::barrier();
  mpq::dist::finalize();
  if (failures == 0 && rank == 0) std::printf("dist: %d rank(s) agree\n", size);
  return failures == 0 ? 0 : 1;
}
