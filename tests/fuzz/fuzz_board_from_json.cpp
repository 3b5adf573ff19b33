// board_from_json (libmpq/mcu, data/boards/*.json and `mpq search --board FILE`) on
// arbitrary text: it parses or throws mpq::Error, and a board that parses keeps its
// reservations within its memories, so the budgets (size - reservation) cannot wrap.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/mcu/board.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mpq::Board board;
  try {
    board = mpq::board_from_json(text, "fuzz.json");
  } catch (const mpq::Error&) {
    return 0;
  }
  if (board.application_flash > board.flash_bytes || board.application_ram > board.ram_bytes)
    mpq::fuzz::fail("board_from_json: a reservation exceeds its memory");
  if (board.name.empty() || board.flash_bytes == 0 || board.ram_bytes == 0)
    mpq::fuzz::fail("board_from_json: a board without a name, FLASH or RAM");
  return 0;
}
