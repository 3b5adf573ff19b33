// Microcontroller board profiles (data/boards/*.json, docs/memory-model.md): how much
// FLASH and RAM a model may use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpq {

struct Board {
  std::string name;  // the file's stem, e.g. "stm32h743"
  std::string core;  // e.g. "cortex-m7"
  uint64_t flash_bytes = 0;     // FLASH (or read-only memory) of the device
  uint64_t ram_bytes = 0;
  uint64_t reserved_flash = 0;  // kept for code, constants and anything not the model blob
  uint64_t reserved_ram = 0;    // kept for stack, heap, .data/.bss and I/O buffers
  std::string notes;            // where the numbers come from

  // What the model may use: the blob must fit flash_budget(), the arena ram_budget().
  uint64_t flash_budget() const { return flash_bytes - reserved_flash; }
  uint64_t ram_budget() const { return ram_bytes - reserved_ram; }
};

// Parses a profile. Sizes are JSON integers (bytes) or strings with units (parse_byte_size).
// Fields: name, core, flash_bytes, ram_bytes (required), reserved_flash, reserved_ram
// (default 0), notes (optional); anything else is an error. Throws Error naming `what`
// and the field when a field is missing, of the wrong type, malformed, or a reservation
// exceeds its memory.
Board board_from_json(const std::string& text, const std::string& what);
// Reads a board file; its "name" must equal the file's stem (data/boards/<name>.json).
Board load_board(const std::string& path);

// The folder of board profiles: $MPQ_BOARDS_DIR if set, else the source tree's data/boards.
std::string boards_dir();
// Stems of the *.json files there, sorted.
std::vector<std::string> board_names();
// The profile `name` (a stem in boards_dir(), whose "name" field must match), or a path to
// a .json file. Throws Error listing the known boards when there is none.
Board find_board(const std::string& name);

}  // namespace mpq
