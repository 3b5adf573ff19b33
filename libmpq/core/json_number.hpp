// core: whole numbers read from JSON files a user may have edited or that may be corrupt.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mpq {

// The value of `v` when it is a JSON whole number in lo..hi; otherwise throws Error
// "<what>: field '<name>' is <value>, expected a whole number lo..hi". nlohmann's
// get<int>() would truncate 2.9 to 2, wrap 4294967298 to 2, and convert 1e34 to an int
// with undefined behaviour (found by the policy fuzzer); this takes none of them.
int64_t json_whole_number(const nlohmann::json& v, const std::string& name, int64_t lo, int64_t hi,
                          const std::string& what);

}  // namespace mpq
