#include "libmpq/data/npz_archive.hpp"

#include <cstring>
#include <limits>

#include <zlib.h>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"

namespace mpq {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEndRecord = 0x06054b50;
constexpr uint32_t kZip64EndRecord = 0x06064b50, kZip64Locator = 0x07064b50;
constexpr size_t kLocalBytes = 30, kCentralBytes = 46, kEndBytes = 22, kZip64EndBytes = 56, kLocatorBytes = 20;
constexpr uint16_t kStored = 0, kDeflated = 8;

// Reads little-endian fields at positions already checked against the size.
class Bytes {
 public:
  Bytes(const std::string& s, const std::string& what) : s_(s), what_(what) {}
  uint64_t get(uint64_t pos, int width) const {
    uint64_t v = 0;
    for (int k = 0; k < width; ++k) v |= static_cast<uint64_t>(static_cast<uint8_t>(s_[pos + k])) << (8 * k);
    return v;
  }
  // Throws unless [pos, pos + count) lies in the file.
  void need(uint64_t pos, uint64_t count, const char* where) const {
    if (pos > s_.size() || count > s_.size() - pos)
      throw Error(what_ + ": truncated or corrupt .npz (zip) archive: " + where + " lies past the end of the file");
  }
  const std::string& s_;
  const std::string& what_;
};

struct Member {
  std::string name;
  uint16_t method = 0, flags = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, size = 0, offset = 0;
};

// The central directory's position and entry count, from the end record (zip64 when
// NumPy wrote one).
void find_directory(const Bytes& b, uint64_t& offset, uint64_t& count, uint64_t& bytes) {
  const std::string& s = b.s_;
  if (s.size() < kEndBytes) throw Error(b.what_ + ": not a .npz file (too short for a zip archive)");
  // The end record is followed by a comment of at most 65535 bytes.
  uint64_t end = std::numeric_limits<uint64_t>::max();
  const uint64_t lowest = s.size() - kEndBytes > 65535 ? s.size() - kEndBytes - 65535 : 0;
  for (uint64_t p = s.size() - kEndBytes + 1; p-- > lowest;)
    if (b.get(p, 4) == kEndRecord && p + kEndBytes + b.get(p + 20, 2) == s.size()) {
      end = p;
      break;
    }
  if (end == std::numeric_limits<uint64_t>::max())
    throw Error(b.what_ + ": not a .npz file (no zip end-of-central-directory record)");
  if (b.get(end + 4, 2) != 0 || b.get(end + 6, 2) != 0)
    throw Error(b.what_ + ": a zip archive split over several disks is not supported");
  count = b.get(end + 10, 2);
  bytes = b.get(end + 12, 4);
  offset = b.get(end + 16, 4);
  if (end >= kLocatorBytes && b.get(end - kLocatorBytes, 4) == kZip64Locator) {
    const uint64_t at = b.get(end - kLocatorBytes + 8, 8);
    b.need(at, kZip64EndBytes, "the zip64 end record");
    if (b.get(at, 4) != kZip64EndRecord) throw Error(b.what_ + ": corrupt .npz archive (bad zip64 end record)");
    count = b.get(at + 32, 8);
    bytes = b.get(at + 40, 8);
    offset = b.get(at + 48, 8);
  }
  b.need(offset, bytes, "the central directory");
  if (count > bytes / kCentralBytes)
    throw Error(b.what_ + ": corrupt .npz archive (" + std::to_string(count) + " entries cannot fit in a " +
                std::to_string(bytes) + "-byte central directory)");
}

// The zip64 extra field replaces the 32-bit fields that hold 0xFFFFFFFF, in this order.
void apply_zip64_extra(const Bytes& b, uint64_t extra, uint64_t extra_bytes, Member& m) {
  const uint64_t end = extra + extra_bytes;
  for (uint64_t p = extra; p + 4 <= end;) {
    const uint64_t id = b.get(p, 2), len = b.get(p + 2, 2);
    if (p + 4 + len > end) break;
    if (id == 1) {
      uint64_t q = p + 4;
      for (uint64_t* field : {&m.size, &m.compressed, &m.offset}) {
        if (*field != 0xffffffffu) continue;
        if (q + 8 > p + 4 + len) throw Error(b.what_ + ": corrupt .npz archive (short zip64 field of " + m.name + ")");
        *field = b.get(q, 8);
        q += 8;
      }
    }
    p += 4 + len;
  }
}

std::vector<Member> read_directory(const Bytes& b) {
  uint64_t pos = 0, count = 0, bytes = 0;
  find_directory(b, pos, count, bytes);
  const uint64_t end = pos + bytes;
  std::vector<Member> members;
  for (uint64_t i = 0; i < count; ++i) {
    if (pos + kCentralBytes > end || b.get(pos, 4) != kCentralHeader)
      throw Error(b.what_ + ": corrupt .npz archive (central directory entry " + std::to_string(i) + ")");
    Member m;
    m.flags = static_cast<uint16_t>(b.get(pos + 8, 2));
    m.method = static_cast<uint16_t>(b.get(pos + 10, 2));
    m.crc = static_cast<uint32_t>(b.get(pos + 16, 4));
    m.compressed = b.get(pos + 20, 4);
    m.size = b.get(pos + 24, 4);
    m.offset = b.get(pos + 42, 4);
    const uint64_t name = b.get(pos + 28, 2), extra = b.get(pos + 30, 2), comment = b.get(pos + 32, 2);
    if (pos + kCentralBytes + name + extra + comment > end)
      throw Error(b.what_ + ": corrupt .npz archive (central directory entry " + std::to_string(i) + " overruns it)");
    m.name = b.s_.substr(pos + kCentralBytes, name);
    apply_zip64_extra(b, pos + kCentralBytes + name, extra, m);
    members.push_back(m);
    pos += kCentralBytes + name + extra + comment;
  }
  return members;
}

uint32_t crc_of(const char* data, uint64_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<uint64_t>(size, std::numeric_limits<uInt>::max()));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

// Inflates a raw deflate stream into exactly `size` bytes.
std::string inflate_member(const char* in, uint64_t in_bytes, uint64_t size, const std::string& what) {
  std::string out(size, '\0');
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw Error(what + ": cannot initialise zlib");
  uint64_t in_pos = 0, out_pos = 0;
  int ret = Z_OK;
  // One extra output byte beyond the declared size tells a stream that inflates to more.
  char overflow = 0;
  while (ret == Z_OK) {
    const auto in_chunk = static_cast<uInt>(std::min<uint64_t>(in_bytes - in_pos, 1u << 30));
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in + in_pos));
    zs.avail_in = in_chunk;
    const bool spare = out_pos == size;
    const auto out_chunk = static_cast<uInt>(spare ? 1 : std::min<uint64_t>(size - out_pos, 1u << 30));
    zs.next_out = reinterpret_cast<Bytef*>(spare ? &overflow : &out[out_pos]);
    zs.avail_out = out_chunk;
    ret = inflate(&zs, Z_NO_FLUSH);
    in_pos += in_chunk - zs.avail_in;
    out_pos += out_chunk - zs.avail_out;
    if (out_pos > size || (ret == Z_BUF_ERROR && in_pos == in_bytes)) break;
    if (ret == Z_BUF_ERROR) ret = Z_OK;  // no progress this round only because a buffer was full
  }
  const char* msg = zs.msg;
  inflateEnd(&zs);
  if (out_pos > size) throw Error(what + ": inflates to more than the " + std::to_string(size) + " bytes declared");
  if (ret != Z_STREAM_END) {
    if (ret == Z_OK || ret == Z_BUF_ERROR) throw Error(what + ": truncated deflate stream");
    throw Error(what + ": corrupt deflate stream (" + (msg ? msg : "zlib error " + std::to_string(ret)) + ")");
  }
  if (out_pos != size)
    throw Error(what + ": inflates to " + std::to_string(out_pos) + " bytes, the archive declares " +
                std::to_string(size));
  return out;
}

}  // namespace

std::map<std::string, NpyArray> parse_npz(const std::string& bytes, const std::string& what) {
  const Bytes b(bytes, what);
  std::map<std::string, NpyArray> arrays;
  uint64_t budget = kMaxInputFileBytes;
  for (const Member& m : read_directory(b)) {
    const std::string member = what + ": " + m.name;
    if (m.name.size() < 5 || m.name.compare(m.name.size() - 4, 4, ".npy") != 0) continue;
    const std::string key = m.name.substr(0, m.name.size() - 4);
    if (arrays.count(key)) throw Error(member + ": a second member of this name");
    if (m.flags & 1) throw Error(member + ": encrypted members are not supported");
    if (m.method != kStored && m.method != kDeflated)
      throw Error(member + ": compression method " + std::to_string(m.method) + " is not supported (stored or deflate)");
    if (m.size > budget)
      throw Error(member + ": the arrays declare more than " + std::to_string(kMaxInputFileBytes) +
                  " bytes in all, the limit for a data file");
    budget -= m.size;
    // Deflate expands by at most 1032:1: a larger declared size is a lie, not a reason to allocate.
    if (m.method == kDeflated && m.size / 1032 > m.compressed + 1)
      throw Error(member + ": declares " + std::to_string(m.size) + " bytes from " + std::to_string(m.compressed) +
                  " compressed ones, more than deflate can expand to");
    b.need(m.offset, kLocalBytes, "a member's local header");
    if (b.get(m.offset, 4) != kLocalHeader) throw Error(member + ": corrupt .npz archive (bad local header)");
    const uint64_t data = m.offset + kLocalBytes + b.get(m.offset + 26, 2) + b.get(m.offset + 28, 2);
    b.need(data, m.compressed, "a member's data");
    if (m.method == kStored && m.compressed != m.size)
      throw Error(member + ": stored member of " + std::to_string(m.compressed) + " bytes declares size " +
                  std::to_string(m.size));
    std::string content = m.method == kStored ? bytes.substr(data, m.size)
                                              : inflate_member(bytes.data() + data, m.compressed, m.size, member);
    if (crc_of(content.data(), content.size()) != m.crc) throw Error(member + ": CRC-32 mismatch (corrupt archive)");
    arrays.emplace(key, parse_npy(std::move(content), member));
  }
  return arrays;
}

std::map<std::string, NpyArray> read_npz(const std::string& path) { return parse_npz(read_file(path), path); }

std::string encode_npz(const std::vector<std::pair<std::string, NpyArray>>& arrays, bool deflated) {
  auto put = [](std::string& s, uint64_t v, int width) {
    for (int k = 0; k < width; ++k) s += static_cast<char>((v >> (8 * k)) & 0xff);
  };
  std::string out, directory;
  for (const auto& [key, array] : arrays) {
    const std::string name = key + ".npy", content = encode_npy(array);
    std::string data = content;
    if (deflated) {
      uLongf bound = compressBound(static_cast<uLong>(content.size()));
      data.assign(bound, '\0');
      z_stream zs;
      std::memset(&zs, 0, sizeof zs);
      require(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK,
              "encode_npz: cannot initialise zlib");
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content.data()));
      zs.avail_in = static_cast<uInt>(content.size());
      zs.next_out = reinterpret_cast<Bytef*>(&data[0]);
      zs.avail_out = static_cast<uInt>(data.size());
      const int ret = deflate(&zs, Z_FINISH);
      data.resize(zs.total_out);
      deflateEnd(&zs);
      require(ret == Z_STREAM_END, "encode_npz: deflate failed");
    }
    const uint32_t crc = crc_of(content.data(), content.size());
    const uint64_t offset = out.size();
    // Version 2.0, no flags, time and date zero.
    std::string fields;
    put(fields, 20, 2);
    put(fields, 0, 2);
    put(fields, deflated ? kDeflated : kStored, 2);
    put(fields, 0, 4);
    put(fields, crc, 4);
    put(fields, data.size(), 4);
    put(fields, content.size(), 4);
    put(fields, name.size(), 2);
    put(fields, 0, 2);
    put(out, kLocalHeader, 4);
    out += fields + name + data;
    put(directory, kCentralHeader, 4);
    put(directory, 20, 2);
    directory += fields;
    // Comment length, disk, internal and external attributes: 10 zero bytes (put() takes
    // at most 8: it shifts a uint64_t, and a shift by 64 or more is undefined).
    directory.append(2 + 2 + 2 + 4, '\0');
    put(directory, offset, 4);
    directory += name;
  }
  const uint64_t directory_offset = out.size();
  out += directory;
  put(out, kEndRecord, 4);
  put(out, 0, 4);
  put(out, arrays.size(), 2);
  put(out, arrays.size(), 2);
  put(out, directory.size(), 4);
  put(out, directory_offset, 4);
  put(out, 0, 2);
  return out;
}

}  // namespace mpq
