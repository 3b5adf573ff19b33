// A network input read window by window from the caller (a camera's line buffer, a
// file, a const array in FLASH) instead of whole from an image in RAM: a blob whose patch
// stage streams its input (PatchStage::stream_input) runs from one, and its arena never
// holds the whole input.
#pragma once

#include <cstdint>

namespace mpq::rt {

// Writes rows x cols raw 8-bit pixels of the input (the same bytes run_model's `image`
// holds), rows [row, row + rows) and columns [col, col + cols), every channel, HWC, densely
// (cols x channels bytes per row) into `pixels`; returns 0, or non-zero to stop the run
// (input_read_failed). Windows of neighbouring tiles overlap by the stage's halo, so a
// pixel may be asked for more than once; they come in tile order, row of tiles by row of
// tiles. mpq_fw.h's mpq_fw_input_reader is the same function type.
using InputReader = int (*)(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols, uint8_t* pixels);

struct InputStream {
  InputReader read = nullptr;
  void* user = nullptr;  // handed to every call, untouched
};

}  // namespace mpq::rt
