#include "libmpq/core/json_number.hpp"

#include <nlohmann/json.hpp>

#include "libmpq/core/error.hpp"

namespace mpq {

int64_t json_whole_number(const nlohmann::json& v, const std::string& name, int64_t lo, int64_t hi,
                          const std::string& what) {
  bool ok = false;
  if (v.is_number_unsigned())
    ok = hi >= 0 && v.get<uint64_t>() <= static_cast<uint64_t>(hi) && v.get<uint64_t>() >= static_cast<uint64_t>(lo < 0 ? 0 : lo);
  else if (v.is_number_integer())
    ok = v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!ok)
    throw Error(what + ": field '" + name + "' is " + (v.is_primitive() ? v.dump() : std::string("an ") + v.type_name()) +
                ", expected a whole number " + std::to_string(lo) + ".." + std::to_string(hi));
  return v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
}

}  // namespace mpq
