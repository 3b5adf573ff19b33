#include "apps/firmware/output_line.h"

#include <stdio.h>

void mpq_write_output_line(uint32_t image, const int32_t* codes, const float* scores, uint32_t classes,
                           mpq_text_sink sink, void* context) {
  uint32_t top = 0, k;
  /* Item by item through a small buffer: no line-length limit, no heap. */
  char buf[64]; /* the longest item: " %.4f" of a float, 47 characters */
  for (k = 1; k < classes; ++k)
    if (codes[k] > codes[top]) top = k;
  snprintf(buf, sizeof buf, "image %lu: class %lu codes", (unsigned long)image, (unsigned long)top);
  sink(buf, context);
  for (k = 0; k < classes; ++k) {
    snprintf(buf, sizeof buf, " %ld", (long)codes[k]);
    sink(buf, context);
  }
  sink(" scores", context);
  for (k = 0; k < classes; ++k) {
    snprintf(buf, sizeof buf, " %.4f", (double)scores[k]);
    sink(buf, context);
  }
}
