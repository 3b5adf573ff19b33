/* The firmware's one line per image, "image I: class K codes C0 C1 ... scores S0 S1 ...",
 * written through a sink so that the firmware (stdout) and the host fixture generator
 * (tests/firmware/host, the expected text) share the format byte for byte. class is the
 * first largest code (argmax, as `mpq run` picks it); scores print like `mpq run`'s
 * (%.4f). C99, for the C firmware and the C++ generator alike. */
#ifndef APPS_FIRMWARE_OUTPUT_LINE_H
#define APPS_FIRMWARE_OUTPUT_LINE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*mpq_text_sink)(const char* text, void* context);

void mpq_write_output_line(uint32_t image, const int32_t* codes, const float* scores, uint32_t classes,
                           mpq_text_sink sink, void* context);

#ifdef __cplusplus
}
#endif

#endif
