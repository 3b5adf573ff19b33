// dist: the processes of one `mpirun -np N mpq ...` job (ranks) and the few collective
// operations the search needs between them. Built on MPI when libmpq is configured with
// it (-Dmpi), else on a single-process stand-in with the same contract, so that callers
// never test for MPI. No other file of libmpq includes mpi.h.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace mpq::dist {

// Starts the job's communication (MPI_Init) when a process manager (mpirun, srun)
// started this process; without MPI, or for a process started alone, there is one rank. Call once, first in
// main, before any thread exists; finalize() at a normal exit.
void init(int& argc, char**& argv);
void finalize();

bool mpi_built();  // whether this libmpq was built with MPI
int rank();        // 0..size()-1; 0 without MPI
int size();        // ranks in the job; 1 without MPI
inline bool is_root() { return rank() == 0; }

// Every rank receives root's bytes (the argument of the other ranks is ignored).
std::string broadcast(const std::string& bytes, int root = 0);
// Every rank receives every rank's bytes, indexed by rank.
std::vector<std::string> allgather(const std::string& bytes);
// Root receives every rank's bytes, indexed by rank; the other ranks an empty vector.
std::vector<std::string> gather(const std::string& bytes, int root = 0);
// Element-wise sum over the ranks, in place, the same result on every rank: rank 0's
// values plus rank 1's plus ..., always in rank order, so that the float result does not
// depend on the timing of the processes.
void allreduce_sum(double* values, size_t count);
void allreduce_sum(float* values, size_t count);
void barrier();
// Ends every rank of the job with `code` (this rank exits unfinalized, and mpirun ends
// the others and exits with `code`): what a rank calls on an error that
// the others cannot know of, so that they do not wait forever in their next collective.
// Without MPI, or with one rank, it exits this process.
[[noreturn]] void abort(int code);

}  // namespace mpq::dist
