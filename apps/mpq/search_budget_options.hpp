// The FLASH and RAM budget of `mpq search` read from its options.
#pragma once

#include <boost/program_options.hpp>

#include "libmpq/search/budget.hpp"

namespace mpq::cli {

MemoryBudget read_search_budget(const boost::program_options::variables_map& vm);

}  // namespace mpq::cli
