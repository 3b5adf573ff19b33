// libmpq/dist under mpirun (meson test dist_ranks runs it on 3 ranks, and alone as one
// rank): every collective gives every rank the expected bytes and sums. A plain main,
// not Boost.Test: each rank checks its own view and the job fails when one rank does.
#include <cstdio>
#include <string>
#include <vector>

#include "libmpq/dist/ranks.hpp"
#include "libmpq/dist/run_on_ranks.hpp"

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
