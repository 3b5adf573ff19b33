#include "libmpq/data/idx_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

#include <zlib.h>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"

namespace mpq {

namespace {

constexpr uint32_t kImagesMagic = 0x00000803;
constexpr uint32_t kLabelsMagic = 0x00000801;

bool is_gzip(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f && static_cast<uint8_t>(bytes[1]) == 0x8b;
}

std::string gunzip(const std::string& compressed, const std::string& path, uint64_t max_bytes) {
  std::string out;
  // The gzip trailer stores the uncompressed size mod 2^32: a good first guess, but only
  // a guess, as a truncated or corrupt file has garbage there. Deflate cannot expand by
  // more than 1032:1, which bounds the reservation by what the file could hold.
  if (compressed.size() >= 4) {
    const auto* t = reinterpret_cast<const uint8_t*>(compressed.data() + compressed.size() - 4);
    const size_t hint = static_cast<size_t>(t[0]) | static_cast<size_t>(t[1]) << 8 |
                        static_cast<size_t>(t[2]) << 16 | static_cast<size_t>(t[3]) << 24;
    out.reserve(std::min<size_t>({hint, compressed.size() * 1032, static_cast<size_t>(max_bytes)}));
  }
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(path + ": cannot initialise zlib");
  size_t in_pos = 0;
  char buffer[1 << 16];
  int ret = Z_OK;
  for (;;) {
    const size_t chunk = std::min<size_t>(compressed.size() - in_pos, std::numeric_limits<uInt>::max());
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data() + in_pos));
    zs.avail_in = static_cast<uInt>(chunk);
    const uInt avail_before = zs.avail_in;
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    ret = inflate(&zs, Z_NO_FLUSH);
    in_pos += avail_before - zs.avail_in;
    out.append(buffer, sizeof buffer - zs.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&zs);
      throw Error(path + ": inflates to more than " + std::to_string(max_bytes) + " bytes, the limit for a data file");
    }
    if (ret == Z_STREAM_END) {
      if (in_pos == compressed.size()) break;
      // Another gzip member follows.
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (ret == Z_BUF_ERROR && in_pos == compressed.size()) break;  // input ended mid-stream
    if (ret != Z_OK) break;
  }
  const char* msg = zs.msg;
  inflateEnd(&zs);
  if (ret != Z_STREAM_END) {
    if (ret == Z_BUF_ERROR || ret == Z_OK)
      throw Error(path + ": truncated gzip stream (it ends before the end-of-stream marker)");
    throw Error(path + ": corrupt gzip stream (" + (msg ? msg : "zlib error " + std::to_string(ret)) + ")");
  }
  return out;
}

uint32_t big_endian_u32(const std::string& bytes, size_t pos) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + pos);
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 |
         static_cast<uint32_t>(p[3]);
}

std::string hex32(uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

// Checks the magic and the header size, returns the dimensions.
std::vector<uint64_t> read_header(const std::string& bytes, const std::string& path, uint32_t magic,
                                  const char* kind) {
  if (bytes.size() < 4)
    throw Error(path + ": truncated IDX file: " + std::to_string(bytes.size()) +
                " bytes, expected at least a 4-byte magic");
  const uint32_t found = big_endian_u32(bytes, 0);
  if (found != magic)
    throw Error(path + ": expected IDX magic " + hex32(magic) + " (" + kind + "), found " + hex32(found));
  const size_t dims = magic & 0xff;
  const size_t header = 4 + 4 * dims;
  if (bytes.size() < header)
    throw Error(path + ": truncated IDX file: " + std::to_string(bytes.size()) + " bytes, the header alone needs " +
                std::to_string(header));
  std::vector<uint64_t> shape(dims);
  for (size_t d = 0; d < dims; ++d) shape[d] = big_endian_u32(bytes, 4 + 4 * d);
  return shape;
}

void check_payload_size(const std::string& bytes, const std::string& path, size_t header, uint64_t expected,
                        const std::string& what) {
  const uint64_t found = bytes.size() - header;
  if (found < expected)
    throw Error(path + ": truncated IDX file: the header promises " + what + " (" + std::to_string(expected) +
                " bytes), the file holds " + std::to_string(found));
  if (found > expected)
    throw Error(path + ": " + std::to_string(found - expected) + " unexpected bytes after " + what +
                " promised by the IDX header");
}

}  // namespace

std::string read_maybe_gzipped_file(const std::string& path, uint64_t max_bytes) {
  std::string bytes = read_file(path, max_bytes);
  return is_gzip(bytes) ? gunzip(bytes, path, max_bytes) : bytes;
}

IdxImages read_idx_images(const std::string& path) {
  const std::string bytes = read_maybe_gzipped_file(path);
  const std::vector<uint64_t> dims = read_header(bytes, path, kImagesMagic, "uint8 images, 3 dimensions");
  if (dims[1] == 0 || dims[2] == 0)
    throw Error(path + ": IDX images of " + std::to_string(dims[1]) + "x" + std::to_string(dims[2]) +
                " pixels: expected rows and columns > 0");
  // Each dimension is a u32, so rows * cols fits; the product with the count may not,
  // and a header that overflows promises more than any file holds.
  const uint64_t image_bytes = dims[1] * dims[2];
  const uint64_t expected =
      dims[0] > std::numeric_limits<uint64_t>::max() / image_bytes ? std::numeric_limits<uint64_t>::max()
                                                                   : dims[0] * image_bytes;
  check_payload_size(bytes, path, 16, expected,
                     std::to_string(dims[0]) + " images of " + std::to_string(dims[1]) + "x" + std::to_string(dims[2]));
  IdxImages images;
  images.count = static_cast<int64_t>(dims[0]);
  images.rows = static_cast<int64_t>(dims[1]);
  images.cols = static_cast<int64_t>(dims[2]);
  images.pixels.assign(reinterpret_cast<const uint8_t*>(bytes.data()) + 16,
                       reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size());
  return images;
}

std::vector<uint8_t> read_idx_labels(const std::string& path, int num_classes) {
  const std::string bytes = read_maybe_gzipped_file(path);
  const std::vector<uint64_t> dims = read_header(bytes, path, kLabelsMagic, "uint8 labels, 1 dimension");
  check_payload_size(bytes, path, 8, dims[0], std::to_string(dims[0]) + " labels");
  std::vector<uint8_t> labels(reinterpret_cast<const uint8_t*>(bytes.data()) + 8,
                              reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes)
      throw Error(path + ": label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                  ": expected a class below " + std::to_string(num_classes));
  }
  return labels;
}

IdxLabelledImages read_idx_labelled_images(const std::string& images_path, const std::string& labels_path,
                                           int num_classes) {
  IdxLabelledImages set;
  set.images = read_idx_images(images_path);
  set.labels = read_idx_labels(labels_path, num_classes);
  if (static_cast<int64_t>(set.labels.size()) != set.images.count)
    throw Error(labels_path + ": " + std::to_string(set.labels.size()) + " labels, expected " +
                std::to_string(set.images.count) + " to match the images of " + images_path);
  return set;
}

}  // namespace mpq
