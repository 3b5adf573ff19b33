// read_idx_images and read_idx_labels (libmpq/data, MNIST-format files, raw or gzipped)
// on arbitrary bytes: they read or throw mpq::Error, and what they read has exactly the
// size its header promises (every label below the class count).
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/idx_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mpq::fuzz::MemoryFile file;
  file.write(data, size);
  try {
    const mpq::IdxImages images = mpq::read_idx_images(file.path());
    if (images.count < 0 || images.rows <= 0 || images.cols <= 0 ||
        images.pixels.size() != static_cast<uint64_t>(images.count) * images.rows * images.cols)
      mpq::fuzz::fail("read_idx_images: pixels that do not match the header's shape");
  } catch (const mpq::Error&) {
  }
  try {
    constexpr int kClasses = 10;
    for (uint8_t label : mpq::read_idx_labels(file.path(), kClasses))
      if (label >= kClasses) mpq::fuzz::fail("read_idx_labels: a label not below the class count");
  } catch (const mpq::Error&) {
  }
  return 0;
}
