#include "libmpq/data/split.hpp"

#include "libmpq/core/error.hpp"

namespace mpq {

Split parse_split(const std::string& name) {
  if (name == "train") return Split::train;
  if (name == "validation" || name == "val") return Split::validation;
  if (name == "test") return Split::test;
  throw Error("unknown split '" + name + "': expected train, validation or test");
}

const char* split_name(Split split) {
  switch (split) {
    case Split::train: return "train";
    case Split::validation: return "validation";
    case Split::test: return "test";
  }
  return "?";
}

}  // namespace mpq
