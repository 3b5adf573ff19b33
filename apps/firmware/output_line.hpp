// The firmware's one line per image, "image I: class K codes C0 C1 ... scores S0 S1 ...",
// written through a sink so that the firmware (stdout) and the host fixture generator
// (the expected text) share the format byte for byte. class is the first largest code
// (argmax, as `mpq run` picks it); scores print like `mpq run`'s (%.4f).
#pragma once

#include <cstdint>

namespace mpq::firmware {

using TextSink = void (*)(const char* text, void* context);

void write_output_line(uint32_t image, const int32_t* codes, const float* scores, uint32_t classes, TextSink sink,
                       void* context);

}  // namespace mpq::firmware
