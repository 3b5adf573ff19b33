// The FLASH and RAM budget of `mpq search` read from its options, and the patch options
// it shares with mpq sweep (--patch*) and mpq export and memory (--patch-input).
#pragma once

#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "libmpq/search/budget.hpp"

namespace mpq::cli {

MemoryBudget read_search_budget(const boost::program_options::variables_map& vm);

// --patch-input's word as mpq export, memory, search and sweep take it: whether the input
// is streamed (parse_patch_input); UsageError on a word other than whole or stream and,
// given --patch's text `patch`, on stream with --patch none (check_patch_input). mpq export
// gives the stage it resolved (--patch or the checkpoint's) when --patch-input was given.
bool read_patch_input(const std::string& text, const std::optional<std::string>& patch = std::nullopt);
// `--inplace` (none|depthwise|all), a usage error naming the flag when it is none of them.
InplaceKinds read_inplace(const std::string& text);
// --patch, --patch-max-overhead, --patch-input and --inplace (mpq search's and mpq sweep's):
// UsageError on a negative cap, a --patch-input other than whole or stream, stream with
// --patch none, or an --inplace other than none, depthwise or all.
PatchSetting read_patch_setting(const boost::program_options::variables_map& vm);
// " with --patch auto", " --patch-input stream" and " --inplace depthwise|all" when set, for the
// commands' first line ("" with none of them).
std::string patch_text(const PatchSetting& patch);

}  // namespace mpq::cli
