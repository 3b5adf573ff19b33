#include "libmpq/core/frame.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/crc32.hpp"
#include "libmpq/core/error.hpp"

namespace mpq {

namespace {

// The bytes every frame of the layout starts with.
std::string magic_bytes(const FrameLayout& layout) {
  const std::string magic = layout.magic;
  if (layout.magic_form == MagicForm::bytes) return magic;
  ByteWriter w;
  w.str(magic);
  return std::move(w.bytes());
}

// Magic, version, [payload size], [CRC].
size_t header_size(const FrameLayout& layout, size_t magic_size) {
  return magic_size + 4 + (layout.payload_size ? 8 : 0) + (layout.crc_place == CrcPlace::header ? 4 : 0);
}

size_t trailer_size(const FrameLayout& layout) { return layout.crc_place == CrcPlace::trailer ? 4 : 0; }

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

std::string frame(const FrameLayout& layout, const std::string& payload) {
  const std::string magic = magic_bytes(layout);
  ByteWriter out;
  out.bytes().reserve(header_size(layout, magic.size()) + payload.size() + trailer_size(layout));
  out.raw(magic.data(), magic.size());
  out.u32(layout.version);
  if (layout.payload_size) out.u64(payload.size());
  if (layout.crc_place == CrcPlace::header) out.u32(crc32(payload.data(), payload.size()));
  out.raw(payload.data(), payload.size());
  if (layout.crc_place == CrcPlace::trailer) out.u32(crc32(out.bytes().data(), out.bytes().size()));
  return std::move(out.bytes());
}

FramePayload unframe(const FrameLayout& layout, const std::string& bytes, const std::string& what) {
  const std::string kind = layout.kind;
  const std::string magic = magic_bytes(layout);
  // A file shorter than the magic but agreeing with it as far as it goes is truncated,
  // not foreign.
  if (std::memcmp(bytes.data(), magic.data(), std::min(bytes.size(), magic.size())) != 0)
    throw Error(what + ": not a libmpq " + kind + " (bad magic, expected '" + layout.magic + "')");
  const size_t header = header_size(layout, magic.size());
  const size_t trailer = trailer_size(layout);
  if (bytes.size() < header + trailer)
    throw Error(what + ": truncated " + kind + " (" + std::to_string(bytes.size()) + " bytes, a " + kind +
                " has at least " + std::to_string(header + trailer) + ")");

  ByteReader h(bytes, what, magic.size(), header);
  const uint32_t version = h.u32("version");
  const uint32_t oldest = layout.oldest_version == 0 ? layout.version : layout.oldest_version;
  if (version < oldest || version > layout.version)
    throw Error(what + ": " + kind + " version " + std::to_string(version) + ", this build reads version " +
                (oldest == layout.version ? std::to_string(layout.version)
                                          : std::to_string(oldest) + " to " + std::to_string(layout.version)));
  const FramePayload payload{header, bytes.size() - trailer, version};
  const uint64_t payload_bytes = payload.end - payload.begin;
  if (layout.payload_size) {
    const uint64_t size = h.u64("payload size");
    if (size != payload_bytes)
      throw Error(what + ": truncated or padded " + kind + " (the header says " + std::to_string(size) +
                  " payload bytes, the file has " + std::to_string(payload_bytes) + ")");
  }
  uint32_t stored, computed;
  if (layout.crc_place == CrcPlace::header) {
    stored = h.u32("checksum");
    computed = crc32(bytes.data() + payload.begin, payload_bytes);
  } else {
    stored = ByteReader(bytes, what, payload.end).u32("checksum");
    computed = crc32(bytes.data(), payload.end);
  }
  if (computed != stored)
    throw Error(what + ": checksum mismatch (CRC-32 " + hex32(computed) + ", the " + kind + " stores " + hex32(stored) +
                (layout.payload_size ? "): the file is corrupted" : "): the file is corrupted or truncated"));
  return payload;
}

}  // namespace mpq
