#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace mpq::dist {

// Runs the independent jobs 0..count-1 on the ranks of the job, in rounds of size() jobs:
// in round k, rank r runs job k*size()+r (if it exists; job j runs on rank j % size()), and then every rank receives
// every job of the round, in job order, through `collect(job, result)`. `before_round`
// (optional) is told each round's jobs [first, last) before they run, on every rank.
// With one rank this is job(i) then collect(i, ...) for i = 0, 1, ...: a caller whose
// jobs are deterministic functions of their inputs gets the same results with any number
// of ranks. A job that throws ends this rank's call with the exception (the caller's
// error path must then abort the job, see abort()).
void run_on_ranks(int64_t count, const std::function<std::string(int64_t)>& job,
                  const std::function<void(int64_t, const std::string&)>& collect,
                  const std::function<void(int64_t, int64_t)>& before_round = {});

}  // namespace mpq::dist
