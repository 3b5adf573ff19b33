#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/core/atomic_file.hpp"

namespace mpq {

// Readers for the IDX format of MNIST / Fashion-MNIST: a big-endian header (magic
// 0x00000803 for uint8 images [count, rows, cols], 0x00000801 for uint8 labels [count])
// followed by the data. Files may be raw or gzip-compressed (detected by the 1f 8b
// magic, not by the name). Every malformed input throws Error naming the file: wrong
// magic, a header promising more bytes than the file holds (or fewer), an unreadable
// file, a corrupt gzip stream.

struct IdxImages {
  int64_t count = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, image-major, row-major
};

IdxImages read_idx_images(const std::string& path);

// Ensures every label is below num_classes.
std::vector<uint8_t> read_idx_labels(const std::string& path, int num_classes);

struct IdxLabelledImages {
  IdxImages images;
  std::vector<uint8_t> labels;
};

// Both files of a set; additionally ensures the two counts match.
IdxLabelledImages read_idx_labelled_images(const std::string& images_path, const std::string& labels_path,
                                           int num_classes);

// The file's bytes, gunzipped when it starts with the gzip magic (concatenated gzip
// members are joined, as gunzip does). Both the file and what it inflates to are limited
// to max_bytes: a small file may inflate a thousandfold.
std::string read_maybe_gzipped_file(const std::string& path, uint64_t max_bytes = kMaxInputFileBytes);

}  // namespace mpq
