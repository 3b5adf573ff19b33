// Test fixtures written at test time into a temporary directory: IDX files (raw or
// gzip), a miniature Fashion-MNIST directory, small images, and error-message checks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libmpq/data/image_u8.hpp"
#include "temp_dir.hpp"

namespace fixtures {

using TempDir = mpq::test::TempDir;  // tests/temp_dir.hpp

void write_bytes(const std::string& path, const std::string& bytes);
std::string gzip(const std::string& bytes);

std::string idx_images_bytes(int64_t count, int64_t rows, int64_t cols, const std::vector<uint8_t>& pixels);
std::string idx_labels_bytes(const std::vector<uint8_t>& labels);

// Pixel (y, x) of fixture image i (28x28): never 0 and never symmetric under a flip, and
// pixels (0, 0) and (0, 1) encode i, so that a loaded sample tells which image it was.
uint8_t fixture_pixel(int64_t i, int64_t y, int64_t x);
uint8_t fixture_label(int64_t i);
// Inverse of the encoding, from the raw pixels (0, 0) and (0, 1).
int64_t fixture_index(uint8_t p00, uint8_t p01);

// Writes train-* (n_train images) and t10k-* (n_test images) IDX files into dir.
void write_fashion_mnist_fixture(const std::string& dir, int64_t n_train, int64_t n_test, bool gzipped);

// The raw pixel value behind a Fashion-MNIST-normalized float.
uint8_t fashion_raw_pixel(float normalized);

// Writes an image with stb_image_write; the format follows the extension (png, bmp, jpg).
void write_image(const std::string& path, const mpq::ImageU8& image);

// Runs f and checks that it throws mpq::Error whose message contains every needle.
void check_error_mentions(const std::function<void()>& f, const std::vector<std::string>& needles);

}  // namespace fixtures
