// mpq run --npy: the logits of every row of a NumPy array, from a float or fine-tuned
// checkpoint or from an integer model blob, to compare a model with its framework of
// origin without images (docs/data.md).
#include "run_npy.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "libmpq/data/npy_array.hpp"
#include "libmpq/export/convert_to_blob.hpp"
#include "libmpq/export/integer_model.hpp"
#include "libmpq/tensor/parallel.hpp"
#include "libmpq/train/finetune.hpp"

namespace mpq::cli {

InputNormalization normalization_of(const Checkpoint& ckpt, const std::string& what);  // cmd_export.cpp

namespace {

// Rows converted at a time: bounds the float copy of a large array.
constexpr int64_t kRowsPerChunk = 256;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s;
  for (int64_t d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s.empty() ? "()" : s;
}

void check_input(const NpyArray& x, const std::string& path, int64_t c, int64_t h, int64_t w, const std::string& model) {
  if (x.type != NpyType::float32 && x.type != NpyType::uint8)
    throw Error(path + ": dtype " + npy_type_name(x.type) + ": expected float32 or uint8 samples");
  if (x.shape.size() != 4 || x.shape[1] != c || x.shape[2] != h || x.shape[3] != w)
    throw Error(path + ": shape " + shape_text(x.shape) + ": expected Nx" + std::to_string(c) + "x" + std::to_string(h) +
                "x" + std::to_string(w) + " (N x C x H x W, the input of " + model + ")");
}

// The normalization the checkpoint records (fine-tuned ones), or p / 255 (mean 0, std 1).
InputNormalization checkpoint_normalization(const Checkpoint& ckpt, const std::string& what, int64_t channels) {
  if (!ckpt.meta_or("input_mean", "").empty()) return normalization_of(ckpt, what);
  InputNormalization n;
  n.mean.assign(static_cast<size_t>(channels), 0.f);
  n.std.assign(static_cast<size_t>(channels), 1.f);
  return n;
}

// Row i of the last node's output as the framework of origin flattens it: class scores
// as they are, a feature map (a graph without a class output) NHWC -> C x H x W.
std::vector<float> row_in_onnx_order(const Tensor& out, int64_t i, int64_t per_row) {
  const float* p = out.data() + i * per_row;
  if (out.rank() != 4) return {p, p + per_row};
  const int64_t h = out.dim(1), w = out.dim(2), c = out.dim(3);
  std::vector<float> row(static_cast<size_t>(per_row));
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t k = 0; k < h * w; ++k) row[static_cast<size_t>(ch * h * w + k)] = p[k * c + ch];
  return row;
}

// Rows [begin, end) of x as the float network's input, HWC: float32 as is, uint8 through
// the normalization.
Tensor network_input(const NpyArray& x, int64_t begin, int64_t end, const InputNormalization& norm) {
  const int64_t c = x.shape[1], h = x.shape[2], w = x.shape[3], plane = h * w;
  Tensor t({end - begin, h, w, c});
  for (int64_t i = begin; i < end; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t k = 0; k < plane; ++k) {
        float v = x.as_float((i * c + ch) * plane + k);
        if (x.type == NpyType::uint8)
          v = (v / 255.f - norm.mean[static_cast<size_t>(ch)]) / norm.std[static_cast<size_t>(ch)];
        t.data()[((i - begin) * plane + k) * c + ch] = v;
      }
  return t;
}

std::vector<std::vector<float>> float_logits(const po::variables_map& vm, const NpyArray& x, const std::string& path) {
  const std::string ckpt_path = vm["checkpoint"].as<std::string>();
  const Checkpoint ckpt = load_checkpoint(ckpt_path);
  Model model = load_any_model(ckpt, ckpt_path);
  check_input(x, path, ckpt.spec.in_channels, ckpt.spec.in_height, ckpt.spec.in_width, ckpt_path);
  const InputNormalization norm = checkpoint_normalization(ckpt, ckpt_path, ckpt.spec.in_channels);
  std::vector<std::vector<float>> rows;
  for (int64_t begin = 0; begin < x.shape[0]; begin += kRowsPerChunk) {
    const int64_t end = std::min(x.shape[0], begin + kRowsPerChunk);
    Tensor logits;
    infer_in_chunks(model, network_input(x, begin, end, norm), logits);
    const int64_t per_row = logits.size() / (end - begin);
    for (int64_t i = 0; i < end - begin; ++i)
      rows.push_back(row_in_onnx_order(logits, i, per_row));
  }
  return rows;
}

// The integer model takes raw 8-bit inputs: uint8 rows as they are, float32 ones mapped
// back to raw values through the fine-tuned checkpoint's normalization (--checkpoint).
std::vector<std::vector<float>> integer_logits(const po::variables_map& vm, const NpyArray& x, const std::string& path) {
  const std::string blob_path = vm["model"].as<std::string>();
  const IntegerModel model = IntegerModel::load(blob_path);
  const auto& v = model.view();
  check_input(x, path, v.input_c, v.input_h, v.input_w, blob_path);
  InputNormalization norm;
  if (x.type == NpyType::float32) {
    if (!vm.count("checkpoint"))
      throw UsageError(path + ": float32 inputs to an integer model need the input normalization of the checkpoint "
                              "it was exported from: add --checkpoint Q.mpqc (or give uint8 raw inputs)");
    const std::string ckpt_path = vm["checkpoint"].as<std::string>();
    norm = normalization_of(load_checkpoint(ckpt_path), ckpt_path);
    if (norm.mean.size() != v.input_c)
      throw Error(ckpt_path + ": input normalization of " + std::to_string(norm.mean.size()) + " channels, " +
                  blob_path + " takes " + std::to_string(v.input_c));
  }
  const int64_t n = x.shape[0], c = v.input_c, plane = int64_t{v.input_h} * v.input_w;
  const bool reference = vm.count("reference") > 0;
  std::vector<std::vector<float>> rows(static_cast<size_t>(n));
  parallel_for(n, 4, [&](int64_t b, int64_t e) {
    std::vector<uint8_t> raw(static_cast<size_t>(c * plane));
    for (int64_t i = b; i < e; ++i) {
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t k = 0; k < plane; ++k) {
          const int64_t at = (i * c + ch) * plane + k;
          raw[static_cast<size_t>(k * c + ch)] =
              x.type == NpyType::uint8 ? static_cast<uint8_t>(x.bytes[static_cast<size_t>(at)])
                                       : pixel_from_normalized(x.as_float(at), norm.mean[static_cast<size_t>(ch)],
                                                               norm.std[static_cast<size_t>(ch)]);
        }
      rows[static_cast<size_t>(i)] = model.dequantize(model.run(raw.data(), reference));
    }
  });
  return rows;
}

}  // namespace

int run_npy(const po::variables_map& vm) {
  const std::string path = vm["npy"].as<std::string>();
  const NpyArray x = read_npy(path);
  // --model given (or no checkpoint): the integer model; --checkpoint alone: the float or
  // fake-quant model.
  const bool integer = !vm["model"].defaulted() || !vm.count("checkpoint");
  const std::vector<std::vector<float>> rows = integer ? integer_logits(vm, x, path) : float_logits(vm, x, path);
  if (vm.count("json")) {
    std::cout << nlohmann::json{{"logits", rows}}.dump() << "\n";
    return 0;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto top = std::max_element(rows[i].begin(), rows[i].end()) - rows[i].begin();
    std::printf("%s[%zu]: class %td  %s", path.c_str(), i, top, integer ? "scores" : "logits");
    for (float s : rows[i]) std::printf(" %.6g", static_cast<double>(s));
    std::printf("\n");
  }
  return 0;
}

}  // namespace mpq::cli
