// Microcontroller board profiles (data/boards/*.json, docs/memory-model.md): the part's
// FLASH and RAM and what the application keeps of them; the rest is libmpq's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpq {

struct Board {
  std::string name;  // the file's stem, e.g. "stm32h743"
  std::string core;  // -mcpu, e.g. "cortex-m7": whose measured code sizes count (code_size.hpp)
  uint64_t flash_bytes = 0;        // FLASH (or read-only memory) of the part
  uint64_t ram_bytes = 0;          // RAM of the part
  uint64_t application_flash = 0;  // what the application keeps besides libmpq: its code, start-up,
                                   // C library, RTOS, radio stack, constants
  uint64_t application_ram = 0;    // stack, heap, .data/.bss and I/O buffers
  std::string notes;               // where the numbers come from

  // What libmpq may use: the blob and libmpq_fw's code must fit flash_budget(), the arena
  // ram_budget().
  uint64_t flash_budget() const { return flash_bytes - application_flash; }
  uint64_t ram_budget() const { return ram_bytes - application_ram; }
};

// Parses a profile. Sizes are JSON integers (bytes) or strings with units (parse_byte_size).
// Fields: name, core, flash_bytes, ram_bytes (required), application_flash,
// application_ram (default 0), notes (optional); anything else is an error (the former
// reserved_flash / reserved_ram, which held a guess of the code size, with a message saying
// so). Throws Error naming `what` and the field when a field is missing, of the wrong type,
// malformed, or the application's share exceeds its memory.
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
