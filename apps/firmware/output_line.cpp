#include "apps/firmware/output_line.hpp"

#include <cstdio>

namespace mpq::firmware {

void write_output_line(uint32_t image, const int32_t* codes, const float* scores, uint32_t classes, TextSink sink,
                       void* context) {
  uint32_t top = 0;
  for (uint32_t k = 1; k < classes; ++k)
    if (codes[k] > codes[top]) top = k;
  // Item by item through a small buffer: no line-length limit, no heap.
  char buf[64];  // the longest item: " %.4f" of a float, 47 characters
  std::snprintf(buf, sizeof buf, "image %lu: class %lu codes", static_cast<unsigned long>(image),
                static_cast<unsigned long>(top));
  sink(buf, context);
  for (uint32_t k = 0; k < classes; ++k) {
    std::snprintf(buf, sizeof buf, " %ld", static_cast<long>(codes[k]));
    sink(buf, context);
  }
  sink(" scores", context);
  for (uint32_t k = 0; k < classes; ++k) {
    std::snprintf(buf, sizeof buf, " %.4f", static_cast<double>(scores[k]));
    sink(buf, context);
  }
}

}  // namespace mpq::firmware
