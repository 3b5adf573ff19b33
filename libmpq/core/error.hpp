// core: errors, logging, random numbers, progress and file utilities shared by every host
// component. Nothing here knows about tensors, models or quantization.
#pragma once

#include <stdexcept>
#include <string>

namespace mpq {

// The one exception type of host code. Its message is one line that names what went
// wrong, where (file, field, layer) and what was expected; `mpq` prints it as
// "mpq: error: <message>".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Throws Error(message) when `condition` is false.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw Error(message);
}

}  // namespace mpq
