// Small NumPy arrays for the tests of the .npy / .npz readers and NumPy data sets
// (written with mpq::encode_npy / encode_npz), and whether Debian's NumPy is there to
// cross-check them.
#pragma once

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "libmpq/data/npy_array.hpp"

namespace numpy_fixtures {

inline mpq::NpyArray float_array(std::vector<int64_t> shape, float start, float step = 0.25f) {
  mpq::NpyArray a{mpq::NpyType::float32, std::move(shape), {}};
  for (int64_t i = 0; i < a.elements(); ++i) {
    const float v = start + step * static_cast<float>(i);
    a.bytes.append(reinterpret_cast<const char*>(&v), 4);
  }
  return a;
}

// Element i is (start + i) mod 256.
inline mpq::NpyArray uint8_array(std::vector<int64_t> shape, int start) {
  mpq::NpyArray a{mpq::NpyType::uint8, std::move(shape), {}};
  for (int64_t i = 0; i < a.elements(); ++i) a.bytes += static_cast<char>((start + i) % 256);
  return a;
}

inline mpq::NpyArray labels(const std::vector<int64_t>& values, mpq::NpyType type) {
  mpq::NpyArray a{type, {static_cast<int64_t>(values.size())}, {}};
  for (int64_t v : values) {
    const int64_t bytes = mpq::npy_item_bytes(type);
    a.bytes.append(reinterpret_cast<const char*>(&v), static_cast<size_t>(bytes));  // little-endian host
  }
  return a;
}

// Whether MPQ_PYTHON imports numpy (python3-numpy, which python3-torch brings).
inline bool numpy_available() {
  static const bool found =
      std::system((std::string(MPQ_PYTHON) + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0;
  return found;
}

}  // namespace numpy_fixtures
