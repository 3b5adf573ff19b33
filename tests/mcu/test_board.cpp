// Board profiles and byte sizes with units.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "libmpq/mcu/board.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "mcu/mcu_fixtures.hpp"

using namespace mpq;
using mpq::test::check_error_mentions;

namespace fs = std::filesystem;

namespace {

// A temporary folder of board profiles, selected with MPQ_BOARDS_DIR while it lives.
struct BoardsDir {
  fs::path path;
  BoardsDir() {
    path = fs::temp_directory_path() / ("mpq_boards_" + std::to_string(::getpid()));
    fs::create_directories(path);
    ::setenv("MPQ_BOARDS_DIR", path.c_str(), 1);
  }
  ~BoardsDir() {
    ::unsetenv("MPQ_BOARDS_DIR");
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / (name + ".json")) << text; }
};

const char* kValid = R"({"name": "x", "core": "cortex-m4", "flash_bytes": "1MB", "ram_bytes": 262144,
                         "application_flash": "64kB", "application_ram": "16KiB"})";

}  // namespace

BOOST_AUTO_TEST_SUITE(board)

BOOST_AUTO_TEST_CASE(sizes_with_binary_units_parse_to_bytes) {
  BOOST_TEST(parse_byte_size("524288", "s") == 524288u);
  BOOST_TEST(parse_byte_size("512B", "s") == 512u);
  BOOST_TEST(parse_byte_size("512kB", "s") == 524288u);
  BOOST_TEST(parse_byte_size("512KB", "s") == 524288u);
  BOOST_TEST(parse_byte_size("512KiB", "s") == 524288u);
  BOOST_TEST(parse_byte_size("512k", "s") == 524288u);
  BOOST_TEST(parse_byte_size("2MB", "s") == 2097152u);
  BOOST_TEST(parse_byte_size("2 MiB", "s") == 2097152u);
  BOOST_TEST(parse_byte_size("1.5MiB", "s") == 1572864u);
  BOOST_TEST(parse_byte_size("0.5k", "s") == 512u);
  BOOST_TEST(parse_byte_size("1GiB", "s") == 1073741824u);
  BOOST_TEST(parse_byte_size("0", "s") == 0u);
  BOOST_TEST(parse_byte_size("007kb", "s") == 7168u);
}

BOOST_AUTO_TEST_CASE(malformed_sizes_are_rejected_naming_the_field) {
  check_error_mentions([] { parse_byte_size("", "--ram"); }, {"--ram", "not a number"});
  check_error_mentions([] { parse_byte_size("MB", "--ram"); }, {"--ram", "'MB'"});
  check_error_mentions([] { parse_byte_size("-5kB", "--ram"); }, {"--ram", "-5kB"});
  check_error_mentions([] { parse_byte_size("2XB", "--flash"); }, {"--flash", "unknown unit 'xb'"});
  check_error_mentions([] { parse_byte_size("1e6", "--flash"); }, {"--flash", "unknown unit"});
  check_error_mentions([] { parse_byte_size("1.3kB", "--flash"); }, {"--flash", "not a whole number of bytes"});
  check_error_mentions([] { parse_byte_size("0.1", "--flash"); }, {"not a whole number of bytes"});
  check_error_mentions([] { parse_byte_size("1..5MB", "--flash"); }, {"--flash"});
  check_error_mentions([] { parse_byte_size("99999999999GiB", "--flash"); }, {"too large"});
  check_error_mentions([] { parse_byte_size("1234567890123456789012", "--flash"); }, {"too many digits"});
}

BOOST_AUTO_TEST_CASE(byte_counts_print_with_binary_units) {
  BOOST_TEST(format_bytes(0) == "0 B");
  BOOST_TEST(format_bytes(1023) == "1023 B");
  BOOST_TEST(format_bytes(1536) == "1.50 KiB");
  BOOST_TEST(format_bytes(2097152) == "2.00 MiB");
  BOOST_TEST(format_bytes(3ull << 30) == "3.00 GiB");
}

BOOST_AUTO_TEST_CASE(every_shipped_board_parses_with_a_positive_budget) {
  const std::vector<std::string> names = board_names();
  for (const char* required : {"stm32h743", "stm32f746", "stm32f412", "nrf52840", "mps2-an386"})
    BOOST_TEST((std::find(names.begin(), names.end(), required) != names.end()), required);
  for (const std::string& name : names) {
    const Board b = find_board(name);
    BOOST_TEST(b.name == name);
    BOOST_TEST(!b.core.empty());
    BOOST_TEST(b.flash_budget() > 0u, name);
    BOOST_TEST(b.ram_budget() > 0u, name);
  }
}

BOOST_AUTO_TEST_CASE(stm32h743_gives_the_model_2MiB_of_flash_and_512KiB_of_ram) {
  const Board b = find_board("stm32h743");
  BOOST_TEST(b.core == "cortex-m7");
  BOOST_TEST(b.flash_budget() == 2u * 1024 * 1024);
  BOOST_TEST(b.ram_budget() == 512u * 1024);
}

BOOST_AUTO_TEST_CASE(the_qemu_board_has_4MiB_of_code_memory_and_4MiB_of_ram) {
  const Board b = find_board("mps2-an386");
  BOOST_TEST(b.core == "cortex-m4");
  BOOST_TEST(b.flash_bytes == 4u * 1024 * 1024);
  BOOST_TEST(b.ram_bytes == 4u * 1024 * 1024);
}

BOOST_AUTO_TEST_CASE(a_board_parses_sizes_given_as_numbers_or_strings_with_units) {
  const Board b = board_from_json(kValid, "x.json");
  BOOST_TEST(b.flash_bytes == 1048576u);
  BOOST_TEST(b.ram_bytes == 262144u);
  BOOST_TEST(b.flash_budget() == 1048576u - 65536u);
  BOOST_TEST(b.ram_budget() == 262144u - 16384u);
  const Board minimal = board_from_json(R"({"name": "m", "core": "c", "flash_bytes": 10, "ram_bytes": 5})", "m");
  BOOST_TEST(minimal.application_flash == 0u);
  BOOST_TEST(minimal.flash_budget() == 10u);
}

BOOST_AUTO_TEST_CASE(malformed_board_profiles_name_the_file_and_field) {
  check_error_mentions([] { board_from_json("{", "b.json"); }, {"b.json", "not valid JSON"});
  check_error_mentions([] { board_from_json("[]", "b.json"); }, {"b.json", "object"});
  check_error_mentions([] { board_from_json(R"({"name": "b", "core": "c", "ram_bytes": 1})", "b.json"); },
                       {"b.json", "flash_bytes"});
  check_error_mentions([] { board_from_json(R"({"name": "b", "flash_bytes": 1, "ram_bytes": 1})", "b.json"); },
                       {"b.json", "core"});
  check_error_mentions(
      [] { board_from_json(R"({"name": "b", "core": "c", "flash_bytes": "2XB", "ram_bytes": 1})", "b.json"); },
      {"b.json", "flash_bytes", "2XB"});
  check_error_mentions(
      [] { board_from_json(R"({"name": "b", "core": "c", "flash_bytes": -4, "ram_bytes": 1})", "b.json"); },
      {"b.json", "flash_bytes", "-4"});
  check_error_mentions(
      [] { board_from_json(R"({"name": "b", "core": "c", "flash_bytes": 1.5, "ram_bytes": 1})", "b.json"); },
      {"b.json", "flash_bytes"});
  check_error_mentions(
      [] { board_from_json(R"({"name": 3, "core": "c", "flash_bytes": 1, "ram_bytes": 1})", "b.json"); },
      {"b.json", "name", "string"});
  check_error_mentions(
      [] {
        board_from_json(R"({"name": "b", "core": "c", "flash_bytes": "1MB", "ram_bytes": 1, "application_flash": "2MB"})",
                        "b.json");
      },
      {"b.json", "application_flash", "exceeds flash_bytes"});
  check_error_mentions(
      [] { board_from_json(R"({"name": "b", "core": "c", "flash_bytes": 1, "ram_bytes": 1, "ram": 5})", "b.json"); },
      {"b.json", "unknown field 'ram'"});
  // The former fields held a guess of the code size, which is now counted: refused by name.
  check_error_mentions(
      [] {
        board_from_json(R"({"name": "b", "core": "c", "flash_bytes": "1MB", "ram_bytes": 1, "reserved_flash": 4})",
                        "b.json");
      },
      {"b.json", "reserved_flash", "application_flash"});
  check_error_mentions(
      [] { board_from_json(R"({"name": "b", "core": "c", "flash_bytes": 9, "ram_bytes": 9, "reserved_ram": 4})", "b.json"); },
      {"b.json", "reserved_ram", "application_ram"});
  check_error_mentions(
      [] {
        board_from_json(R"({"name": "b", "core": "c", "flash_bytes": 9, "ram_bytes": 9, "application_ram": "1kB"})",
                        "b.json");
      },
      {"b.json", "application_ram", "exceeds ram_bytes"});
  check_error_mentions(
      [] { board_from_json(R"({"name": "b", "core": "c", "flash_bytes": 0, "ram_bytes": 1})", "b.json"); },
      {"b.json", "flash_bytes", "0"});
}

BOOST_AUTO_TEST_CASE(boards_are_looked_up_by_name_in_MPQ_BOARDS_DIR) {
  BoardsDir dir;
  std::string text = kValid;
  text.replace(text.find("\"x\""), 3, "\"tiny-mcu\"");
  dir.write("tiny-mcu", text);
  dir.write("misnamed", text);
  BOOST_TEST(boards_dir() == dir.path.string());
  BOOST_TEST(board_names() == (std::vector<std::string>{"misnamed", "tiny-mcu"}));
  BOOST_TEST(find_board("tiny-mcu").ram_budget() == 262144u - 16384u);
  BOOST_TEST(find_board((dir.path / "tiny-mcu.json").string()).name == "tiny-mcu");
  check_error_mentions([] { find_board("misnamed"); }, {"misnamed.json", "'tiny-mcu'", "expected 'misnamed'"});
  check_error_mentions([] { find_board("stm32h743"); }, {"unknown board 'stm32h743'", "misnamed, tiny-mcu"});
  check_error_mentions([] { find_board("../tiny-mcu"); }, {"unknown board"});
}

BOOST_AUTO_TEST_CASE(a_board_file_must_be_named_after_its_name_field) {
  BoardsDir dir;
  std::ofstream(dir.path / "mine.json") << R"({"name": "other", "core": "c", "flash_bytes": 10, "ram_bytes": 5})";
  check_error_mentions([&] { load_board((dir.path / "mine.json").string()); },
                       {"mine.json", "field 'name' is 'other', expected 'mine'"});
  check_error_mentions([&] { find_board((dir.path / "mine.json").string()); }, {"expected 'mine'"});
  check_error_mentions([&] { find_board("mine"); }, {"expected 'mine'"});
}

BOOST_AUTO_TEST_CASE(a_deeply_nested_value_is_named_by_its_type_not_dumped) {
  // 200,000 levels: dumping it into the message recursed that deep and overflowed the stack.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  check_error_mentions(
      [&] { board_from_json(R"({"name": "b", "core": "c", "flash_bytes": )" + deep + R"(, "ram_bytes": 1})", "b.json"); },
      {"b.json", "field 'flash_bytes'", "not an array"});
  check_error_mentions([&] { board_from_json(R"({"name": )" + deep + "}", "b.json"); }, {"field 'name'", "not an array"});
}

BOOST_AUTO_TEST_SUITE_END()
