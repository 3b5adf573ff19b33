// One record of the blob's buffer table (blob::buffer): an ArenaBuffer in little-endian.
#pragma once

#include <cstdint>

#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/little_endian.hpp"
#include "libmpq/runtime/plan_arena.hpp"

namespace mpq::rt {

// Requires `out` / `in` to hold blob::kBufferRecordBytes bytes.
inline void encode_buffer_record(const ArenaBuffer& b, uint8_t* out) {
  write_u32(out + blob::buffer::size, b.size);
  write_u16(out + blob::buffer::first_step, b.first_step);
  write_u16(out + blob::buffer::last_step, b.last_step);
  write_u32(out + blob::buffer::offset, b.offset);
}

inline ArenaBuffer decode_buffer_record(const uint8_t* in) {
  return {read_u32(in + blob::buffer::size), read_u16(in + blob::buffer::first_step),
          read_u16(in + blob::buffer::last_step), read_u32(in + blob::buffer::offset)};
}

}  // namespace mpq::rt
