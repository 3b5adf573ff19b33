#include "libmpq/mcu/board.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/mcu/byte_size.hpp"

namespace mpq {

namespace fs = std::filesystem;

namespace {

// A board profile is a few hundred bytes; anything near this is not one.
constexpr uint64_t kMaxBoardFileBytes = 1 << 20;

uint64_t size_field(const nlohmann::json& j, const char* key, bool required, const std::string& what) {
  if (!j.contains(key)) {
    if (required) throw Error(what + ": missing field '" + key + "' (bytes, e.g. 1048576 or \"1MiB\")");
    return 0;
  }
  const nlohmann::json& v = j.at(key);
  const std::string where = what + ": field '" + key + "'";
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_string()) return parse_byte_size(v.get<std::string>(), where);
  // A container is named by its type: dumping a deeply nested one would recurse as deep.
  throw Error(where + " must be a whole number of bytes or a string like \"512KiB\", not " +
              (v.is_primitive() ? v.dump().substr(0, 60) : std::string("an ") + v.type_name()));
}

std::string string_field(const nlohmann::json& j, const char* key, bool required, const std::string& what) {
  if (!j.contains(key)) {
    if (required) throw Error(what + ": missing field '" + key + "' (a string)");
    return "";
  }
  const nlohmann::json& v = j.at(key);
  if (!v.is_string())
    throw Error(what + ": field '" + key + "' must be a string, not " +
                (v.is_primitive() ? v.dump().substr(0, 60) : std::string("an ") + v.type_name()));
  return j.at(key).get<std::string>();
}

}  // namespace

Board board_from_json(const std::string& text, const std::string& what) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(what + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) throw Error(what + ": expected a JSON object with name, core, flash_bytes and ram_bytes");
  static const char* const known[] = {"name", "core", "flash_bytes", "ram_bytes", "application_flash", "application_ram",
                                      "notes"};
  for (const auto& item : j.items()) {
    if (item.key() == "reserved_flash" || item.key() == "reserved_ram")
      throw Error(what + ": field '" + item.key() + "' is no longer read: it reserved a guess of the code size; give " +
                  (item.key() == "reserved_flash" ? "application_flash" : "application_ram") +
                  ", what the application keeps besides libmpq (libmpq_fw's code is counted from measurements)");
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return item.key() == k; }) == std::end(known))
      throw Error(what + ": unknown field '" + item.key() +
                  "' (expected name, core, flash_bytes, ram_bytes, application_flash, application_ram, notes)");
  }
  Board b;
  b.name = string_field(j, "name", true, what);
  if (b.name.empty()) throw Error(what + ": field 'name' is empty");
  b.core = string_field(j, "core", true, what);
  b.notes = string_field(j, "notes", false, what);
  b.flash_bytes = size_field(j, "flash_bytes", true, what);
  b.ram_bytes = size_field(j, "ram_bytes", true, what);
  b.application_flash = size_field(j, "application_flash", false, what);
  b.application_ram = size_field(j, "application_ram", false, what);
  if (b.flash_bytes == 0) throw Error(what + ": field 'flash_bytes' is 0, expected the device's FLASH size");
  if (b.ram_bytes == 0) throw Error(what + ": field 'ram_bytes' is 0, expected the device's RAM size");
  if (b.application_flash > b.flash_bytes)
    throw Error(what + ": field 'application_flash' (" + std::to_string(b.application_flash) +
                " B) exceeds flash_bytes (" + std::to_string(b.flash_bytes) + " B)");
  if (b.application_ram > b.ram_bytes)
    throw Error(what + ": field 'application_ram' (" + std::to_string(b.application_ram) + " B) exceeds ram_bytes (" +
                std::to_string(b.ram_bytes) + " B)");
  return b;
}

Board load_board(const std::string& path) {
  Board b = board_from_json(read_file(path, kMaxBoardFileBytes), path);
  const std::string stem = fs::path(path).stem().string();
  if (b.name != stem)
    throw Error(path + ": field 'name' is '" + b.name + "', expected '" + stem + "' (the file's name)");
  return b;
}

std::string boards_dir() {
  const char* env = std::getenv("MPQ_BOARDS_DIR");
  if (env != nullptr && *env != '\0') return env;
  return MPQ_BOARDS_SOURCE_DIR;
}

std::vector<std::string> board_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(boards_dir(), ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".json") names.push_back(it->path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

Board find_board(const std::string& name) {
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) return load_board(name);
  const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  }) && name[0] != '.';
  const fs::path path = fs::path(boards_dir()) / (name + ".json");
  if (!plain || !fs::is_regular_file(path)) {
    std::string known;
    for (const std::string& n : board_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown board '" + name + "' (known in " + boards_dir() + ": " + (known.empty() ? "none" : known) +
                "; or give a path to a .json profile)");
  }
  return load_board(path.string());
}

}  // namespace mpq
