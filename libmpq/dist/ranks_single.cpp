// The single-process ranks of a libmpq built without MPI: one rank, and every collective
// is the identity.
#include <cstdlib>

#include "libmpq/dist/ranks.hpp"

namespace mpq::dist {

void init(int&, char**&) {}
void finalize() {}
bool mpi_built() { return false; }
int rank() { return 0; }
int size() { return 1; }
std::string broadcast(const std::string& bytes, int) { return bytes; }
std::vector<std::string> allgather(const std::string& bytes) { return {bytes}; }
std::vector<std::string> gather(const std::string& bytes, int) { return {bytes}; }
void allreduce_sum(double*, size_t) {}
void allreduce_sum(float*, size_t) {}
void barrier() {}
void abort(int code) { std::exit(code); }

}  // namespace mpq::dist
