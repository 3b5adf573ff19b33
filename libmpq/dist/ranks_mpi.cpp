// The ranks of an MPI job. Only the C API of MPI is used (the C++ bindings are deprecated
// and not in every MPI), and only from the main thread: oneTBB's workers never
// communicate, hence MPI_THREAD_FUNNELED.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "libmpq/core/error.hpp"
#include "libmpq/dist/ranks.hpp"

namespace mpq::dist {

namespace {

bool started = false;  // MPI_Init ran here (a test binary may never call init)
int my_rank = 0, my_size = 1;

int byte_count(size_t n) {
  require(n <= static_cast<size_t>(INT_MAX), "dist: a message of " + std::to_string(n) + " bytes exceeds MPI's 2 GiB");
  return static_cast<int>(n);
}

// The sizes of every rank's bytes and their displacements in one buffer.
std::vector<std::string> split(const std::string& all, const std::vector<int>& counts) {
  std::vector<std::string> out;
  size_t at = 0;
  for (int c : counts) {
    out.push_back(all.substr(at, static_cast<size_t>(c)));
    at += static_cast<size_t>(c);
  }
  return out;
}

std::vector<int> displacements(const std::vector<int>& counts) {
  std::vector<int> d(counts.size(), 0);
  long long total = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    d[i] = static_cast<int>(total);
    total += counts[i];
  }
  require(total <= INT_MAX, "dist: gathered messages exceed MPI's 2 GiB");
  return d;
}

// Rank-order sum: root gathers every rank's values, adds them in rank order and
// broadcasts the sum. MPI_Allreduce may add in any order (and does, by message size and
// rank count in Open MPI), which would make float sums depend on the job's shape.
template <class T>
void ordered_sum(T* values, size_t count, MPI_Datatype type) {
  if (my_size == 1 || count == 0) return;
  const int n = byte_count(count);
  std::vector<T> all(my_rank == 0 ? count * static_cast<size_t>(my_size) : 0);
  MPI_Gather(values, n, type, all.data(), n, type, 0, MPI_COMM_WORLD);
  if (my_rank == 0)
    for (int r = 1; r < my_size; ++r)
      for (size_t i = 0; i < count; ++i) values[i] += all[static_cast<size_t>(r) * count + i];
  MPI_Bcast(values, n, type, 0, MPI_COMM_WORLD);
}

}  // namespace

// Whether a process manager started this process as a rank: Open MPI's mpirun, Slurm's
// srun (PMIx or PMI-2) and MPICH's Hydra set these. A process started alone stays one
// rank without initializing MPI at all: the same cost and behaviour as a build without
// MPI, and no MPI in the sanitizer runs of the test suites.
bool launched_as_rank() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

void init(int& argc, char**& argv) {
  if (!launched_as_rank()) return;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  started = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &my_size);
}

void finalize() {
  if (started) MPI_Finalize();
  started = false;
}

bool mpi_built() { return true; }
int rank() { return my_rank; }
int size() { return my_size; }

std::string broadcast(const std::string& bytes, int root) {
  if (my_size == 1) return bytes;
  unsigned long long n = bytes.size();
  MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD);
  std::string out = my_rank == root ? bytes : std::string(static_cast<size_t>(n), '\0');
  MPI_Bcast(out.data(), byte_count(out.size()), MPI_BYTE, root, MPI_COMM_WORLD);
  return out;
}

std::vector<std::string> allgather(const std::string& bytes) {
  if (my_size == 1) return {bytes};
  int mine = byte_count(bytes.size());
  std::vector<int> counts(static_cast<size_t>(my_size));
  MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  const std::vector<int> at = displacements(counts);
  std::string all(static_cast<size_t>(at.back()) + static_cast<size_t>(counts.back()), '\0');
  MPI_Allgatherv(bytes.data(), mine, MPI_BYTE, all.data(), counts.data(), at.data(), MPI_BYTE, MPI_COMM_WORLD);
  return split(all, counts);
}

std::vector<std::string> gather(const std::string& bytes, int root) {
  if (my_size == 1) return {bytes};
  int mine = byte_count(bytes.size());
  std::vector<int> counts(static_cast<size_t>(my_size));
  MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, root, MPI_COMM_WORLD);
  std::vector<int> at;
  std::string all;
  if (my_rank == root) {
    at = displacements(counts);
    all.resize(static_cast<size_t>(at.back()) + static_cast<size_t>(counts.back()));
  }
  MPI_Gatherv(bytes.data(), mine, MPI_BYTE, all.data(), counts.data(), at.data(), MPI_BYTE, root, MPI_COMM_WORLD);
  if (my_rank != root) return {};
  return split(all, counts);
}

void allreduce_sum(double* values, size_t count) { ordered_sum(values, count, MPI_DOUBLE); }
void allreduce_sum(float* values, size_t count) { ordered_sum(values, count, MPI_FLOAT); }

void barrier() {
  if (my_size > 1) MPI_Barrier(MPI_COMM_WORLD);
}

void abort(int code) {
  if (started && my_size > 1) {
    // Not MPI_Abort: Open MPI 4.1 routes MPI_Abort's notice through PMIx's log to mpirun,
    // and mpirun has crashed in that handler (exit status a segfault's, not `code`), even
    // with one rank aborting. A rank that exits without MPI_Finalize and with a non-zero
    // status makes mpirun end the others and exit with that status, a path with no log
    // message to forward.
    std::fflush(nullptr);
    std::_Exit(code);
  }
  std::exit(code);
}

}  // namespace mpq::dist
