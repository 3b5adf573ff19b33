#include "torch_fixtures.hpp"

#include <cstring>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"

namespace mpq::test {

namespace {
Tensor floats_of(const SafetensorsFile& file, const std::string& name, const std::string& what) {
  const SafetensorsTensor* t = file.find(name);
  require(t != nullptr, what + ": no tensor '" + name + "'");
  const std::vector<float> values = safetensors_to_floats(*t, what);
  Tensor out(t->shape);
  std::memcpy(out.data(), values.data(), values.size() * sizeof(float));
  return out;
}

std::string metadata(const SafetensorsFile& file, const std::string& key, const std::string& what) {
  auto it = file.metadata.find(key);
  require(it != file.metadata.end(), what + ": no metadata '" + key + "'");
  return it->second;
}
}  // namespace

const char* const* torch_fixture_names() {
  static const char* const names[] = {"mobilenet_v1", "mobilenet_v2", "mnasnet", nullptr};
  return names;
}

TorchFixture load_torch_fixture(const std::string& name) {
  TorchFixture f;
  f.name = name;
  const std::string dir = MPQ_TORCH_FIXTURES;
  f.weights_path = dir + "/" + name + ".safetensors";
  f.weights_bytes = read_file(f.weights_path);
  f.weights = decode_safetensors(f.weights_bytes, f.weights_path);

  const std::string io_path = dir + "/" + name + ".io.safetensors";
  const SafetensorsFile io = read_safetensors(io_path);
  f.spec.arch = metadata(io, "model", io_path);
  f.spec.width = std::stof(metadata(io, "width", io_path));
  parse_input_shape(metadata(io, "input", io_path), f.spec);
  f.spec.classes = std::stoll(metadata(io, "classes", io_path));
  f.spec.small_input = metadata(io, "stem", io_path) == "small";

  const Tensor nchw = floats_of(io, "input", io_path);
  const int64_t n = nchw.dim(0), c = nchw.dim(1), h = nchw.dim(2), w = nchw.dim(3);
  f.input_nhwc = Tensor({n, h, w, c});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          f.input_nhwc[((b * h + y) * w + x) * c + ch] = nchw[((b * c + ch) * h + y) * w + x];
  f.logits = floats_of(io, "logits", io_path);
  const SafetensorsTensor* exact = io.find("logits_f64");
  require(exact && exact->dtype == SafetensorsDtype::F64, io_path + ": no F64 tensor 'logits_f64'");
  f.logits_f64.resize(exact->data.size() / 8);
  std::memcpy(f.logits_f64.data(), exact->data.data(), exact->data.size());
  return f;
}

std::string error_message(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace mpq::test
