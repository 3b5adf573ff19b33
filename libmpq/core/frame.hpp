#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mpq {

// The envelope of the project's state files: a magic, a version and a CRC-32 around a
// payload. The three formats that use it place these fields differently, and files written
// before must keep loading, so a layout describes where each field goes:
//   checkpoint (.mpqc):   magic, u32 version, u64 payload size, u32 CRC of the payload, payload
//   search state:         magic, u32 version, u32 CRC of the payload, payload
//   agent (DDPG) state:   u32 length + magic, u32 version, payload, u32 CRC of all bytes before it
enum class MagicForm : uint8_t {
  bytes,   // the magic's bytes alone
  string,  // u32 length, then the magic's bytes (ByteWriter::str)
};
enum class CrcPlace : uint8_t {
  header,   // ends the header, covers the payload
  trailer,  // follows the payload, covers everything before it
};

struct FrameLayout {
  const char* kind;   // what the file is, named in errors: "checkpoint", "search state", ...
  const char* magic;  // NUL-terminated, the NUL not written
  MagicForm magic_form;
  bool payload_size;  // a u64 payload size follows the version
  CrcPlace crc_place;
  uint32_t version;   // the version this build writes (and the newest it reads)
  // The oldest version it still reads (0: only `version`). A format that gains a section
  // keeps writing and reading the old version for files without it.
  uint32_t oldest_version = 0;
};

// Where the payload of a checked frame lies: bytes [begin, end) of the framed string.
struct FramePayload {
  size_t begin = 0;
  size_t end = 0;
  uint32_t version = 0;  // the file's version, within the layout's range
};

// `payload` in the envelope `layout` describes (all integers little-endian).
std::string frame(const FrameLayout& layout, const std::string& payload);

// Checks the envelope of `bytes`, in this order: magic, length, version, payload size,
// CRC. Throws Error with one line naming `what` (usually the file) and the first thing
// that is wrong: "not a libmpq <kind> (bad magic ...)", "truncated <kind> ...",
// "<kind> version N, this build reads version M", "truncated or padded <kind> ..." (the
// payload size disagrees with the file's) or "checksum mismatch ..." (CRC-32).
FramePayload unframe(const FrameLayout& layout, const std::string& bytes, const std::string& what);

}  // namespace mpq
