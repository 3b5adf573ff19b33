// The FLASH and RAM budget of `mpq search` read from its options.
#pragma once

#include <boost/program_options.hpp>

#include "libmpq/search/budget.hpp"

namespace mpq::cli {

MemoryBudget read_search_budget(const boost::program_options::variables_map& vm);

// --patch, --patch-max-overhead and --patch-input (mpq search's and mpq sweep's): UsageError
// on a negative cap, a --patch-input other than whole or stream, or stream with --patch none.
PatchSetting read_patch_setting(const boost::program_options::variables_map& vm);
// " with --patch auto" and " --patch-input stream" when set, for the commands' first line ("" with none).
std::string patch_text(const PatchSetting& patch);

}  // namespace mpq::cli
