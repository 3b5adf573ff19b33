#include "libmpq/dist/run_on_ranks.hpp"

#include <algorithm>
#include <vector>

#include "libmpq/dist/ranks.hpp"

namespace mpq::dist {

void run_on_ranks(int64_t count, const std::function<std::string(int64_t)>& job,
                  const std::function<void(int64_t, const std::string&)>& collect,
                  const std::function<void(int64_t, int64_t)>& before_round) {
  const int64_t ranks = size();
  for (int64_t first = 0; first < count; first += ranks) {
    const int64_t last = std::min(count, first + ranks);
    if (before_round) before_round(first, last);
    const int64_t mine = first + rank();
    const std::string result = mine < last ? job(mine) : std::string();
    const std::vector<std::string> all = allgather(result);
    for (int64_t j = first; j < last; ++j) collect(j, all[static_cast<size_t>(j - first)]);
  }
}

}  // namespace mpq::dist
