#include "fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <stb_image_write.h>
#include <zlib.h>

#include "libmpq/core/error.hpp"
#include "libmpq/data/pixel_normalization.hpp"

namespace fixtures {

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string gzip(const std::string& bytes) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&zs, static_cast<uLong>(bytes.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (ret != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

namespace {
void put_u32_be(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
}
}  // namespace

std::string idx_images_bytes(int64_t count, int64_t rows, int64_t cols, const std::vector<uint8_t>& pixels) {
  std::string s;
  put_u32_be(s, 0x00000803);
  put_u32_be(s, static_cast<uint32_t>(count));
  put_u32_be(s, static_cast<uint32_t>(rows));
  put_u32_be(s, static_cast<uint32_t>(cols));
  s.append(reinterpret_cast<const char*>(pixels.data()), pixels.size());
  return s;
}

std::string idx_labels_bytes(const std::vector<uint8_t>& labels) {
  std::string s;
  put_u32_be(s, 0x00000801);
  put_u32_be(s, static_cast<uint32_t>(labels.size()));
  s.append(reinterpret_cast<const char*>(labels.data()), labels.size());
  return s;
}

uint8_t fixture_pixel(int64_t i, int64_t y, int64_t x) {
  if (y == 0 && x == 0) return static_cast<uint8_t>(1 + i % 254);
  if (y == 0 && x == 1) return static_cast<uint8_t>(1 + i / 254);
  return static_cast<uint8_t>(1 + (y * 28 + x * 3 + i) % 254);
}

uint8_t fixture_label(int64_t i) { return static_cast<uint8_t>((i * 7) % 10); }

int64_t fixture_index(uint8_t p00, uint8_t p01) { return (p01 - 1) * 254 + (p00 - 1); }

void write_fashion_mnist_fixture(const std::string& dir, int64_t n_train, int64_t n_test, bool gzipped) {
  for (const auto& [prefix, n] : {std::pair<std::string, int64_t>{"train", n_train}, {"t10k", n_test}}) {
    std::vector<uint8_t> pixels;
    std::vector<uint8_t> labels;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t y = 0; y < 28; ++y)
        for (int64_t x = 0; x < 28; ++x) pixels.push_back(fixture_pixel(i, y, x));
      labels.push_back(fixture_label(i));
    }
    std::string images = idx_images_bytes(n, 28, 28, pixels);
    std::string label_bytes = idx_labels_bytes(labels);
    const std::string ext = gzipped ? ".gz" : "";
    write_bytes(dir + "/" + prefix + "-images-idx3-ubyte" + ext, gzipped ? gzip(images) : images);
    write_bytes(dir + "/" + prefix + "-labels-idx1-ubyte" + ext, gzipped ? gzip(label_bytes) : label_bytes);
  }
}

uint8_t fashion_raw_pixel(float normalized) {
  const mpq::PixelNormalization n = mpq::fashion_mnist_normalization();
  return static_cast<uint8_t>(std::lround((normalized * n.std[0] + n.mean[0]) * 255.f));
}

void write_image(const std::string& path, const mpq::ImageU8& image) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  const int w = static_cast<int>(image.width), h = static_cast<int>(image.height);
  const int c = static_cast<int>(image.channels);
  int ok = 0;
  if (ext == ".png") ok = stbi_write_png(path.c_str(), w, h, c, image.pixels.data(), w * c);
  else if (ext == ".bmp") ok = stbi_write_bmp(path.c_str(), w, h, c, image.pixels.data());
  else if (ext == ".jpg" || ext == ".jpeg") ok = stbi_write_jpg(path.c_str(), w, h, c, image.pixels.data(), 95);
  if (!ok) throw std::runtime_error("cannot write image " + path);
}

void check_error_mentions(const std::function<void()>& f, const std::vector<std::string>& needles) {
  try {
    f();
    BOOST_ERROR("expected mpq::Error mentioning " << needles.front() << ", nothing was thrown");
  } catch (const mpq::Error& e) {
    const std::string message = e.what();
    for (const std::string& needle : needles)
      BOOST_CHECK_MESSAGE(message.find(needle) != std::string::npos,
                          "message '" << message << "' does not mention '" << needle << "'");
    BOOST_CHECK_MESSAGE(message.find('\n') == std::string::npos, "message '" << message << "' is not one line");
  }
}

}  // namespace fixtures
