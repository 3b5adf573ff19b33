#include "libmpq/data/numpy_dataset.hpp"

#include <algorithm>
#include <cmath>

#include "libmpq/core/error.hpp"
#include "libmpq/data/npz_archive.hpp"
#include "libmpq/data/train_validation_split.hpp"

namespace mpq {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t comma; (comma = s.find(',', start)) != std::string::npos; start = comma + 1)
    parts.push_back(s.substr(start, comma - start));
  parts.push_back(s.substr(start));
  return parts;
}

struct Labelled {
  NpyArray x, y;
  std::string x_what, y_what;
};

struct Arrays {
  Labelled train;
  bool has_test = false;
  Labelled test;
};

// Reads what the split needs: the training pair always (the test split of float32 data
// takes its normalization from it), the test pair when asked and present.
Arrays read_arrays(const std::string& spec, bool want_test) {
  Arrays a;
  if (ends_with(spec, ".npz")) {
    std::map<std::string, NpyArray> arrays = read_npz(spec);
    auto take = [&](const std::string& name, NpyArray& to, std::string& what) {
      auto it = arrays.find(name);
      if (it == arrays.end())
        throw Error(spec + ": no array '" + name + "' (expected x and y, optionally x_test and y_test)");
      to = std::move(it->second);
      what = spec + ": " + name;
    };
    take("x", a.train.x, a.train.x_what);
    take("y", a.train.y, a.train.y_what);
    a.has_test = arrays.count("x_test") || arrays.count("y_test");
    if (a.has_test) {
      take("x_test", a.test.x, a.test.x_what);
      take("y_test", a.test.y, a.test.y_what);
    }
    return a;
  }
  const std::vector<std::string> files = split_commas(spec);
  if (files.size() != 2 && files.size() != 4)
    throw Error("--data " + spec + ": expected x.npy,y.npy or x.npy,y.npy,x_test.npy,y_test.npy or an .npz file");
  for (const std::string& f : files)
    if (!ends_with(f, ".npy")) throw Error("--data " + spec + ": '" + f + "' is not a .npy file");
  a.train = {read_npy(files[0]), read_npy(files[1]), files[0], files[1]};
  a.has_test = files.size() == 4;
  if (a.has_test && want_test) a.test = {read_npy(files[2]), read_npy(files[3]), files[2], files[3]};
  return a;
}

void check_arrays(const Labelled& set, const NumpyDataOptions& o) {
  const NpyArray &x = set.x, &y = set.y;
  const std::string expected = "x" + std::to_string(o.channels) + "x" + std::to_string(o.height) + "x" +
                               std::to_string(o.width);
  if (x.type != NpyType::float32 && x.type != NpyType::uint8)
    throw Error(set.x_what + ": dtype " + npy_type_name(x.type) + ": expected float32 or uint8 samples");
  if (x.shape.size() != 4 || x.shape[1] != o.channels || x.shape[2] != o.height || x.shape[3] != o.width) {
    std::string shape;
    for (int64_t d : x.shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    throw Error(set.x_what + ": shape " + (shape.empty() ? "()" : shape) + ": expected N" + expected +
                " (N x C x H x W, the model's input)");
  }
  if (y.type == NpyType::float32)
    throw Error(set.y_what + ": dtype float32: expected integer labels (int64, int32 or uint8)");
  if (y.shape.size() != 1 || y.shape[0] != x.shape[0])
    throw Error(set.y_what + ": expected " + std::to_string(x.shape[0]) + " labels (a 1-D array, one per sample of " +
                set.x_what + "), found " + std::to_string(y.elements()) + " in " + std::to_string(y.shape.size()) +
                " dimension(s)");
  for (int64_t i = 0; i < y.elements(); ++i) {
    const int64_t label = y.as_int64(i);
    if (label < 0 || label >= o.classes)
      throw Error(set.y_what + ": label " + std::to_string(label) + " at index " + std::to_string(i) +
                  ": expected 0.." + std::to_string(o.classes - 1) + " (the model's classes)");
  }
  if (x.type == NpyType::float32)
    for (int64_t i = 0; i < x.elements(); ++i)
      if (!std::isfinite(x.as_float(i)))
        throw Error(set.x_what + ": value " + std::to_string(x.as_float(i)) + " at index " + std::to_string(i) +
                    ": expected finite numbers");
}

// uint8: p / 255. float32: 0..255 onto each channel's [min, max] of x (a constant channel
// gets a unit range around its value, so that std stays finite).
PixelNormalization normalization_of(const NpyArray& x) {
  const int64_t n = x.shape[0], c = x.shape[1], plane = x.shape[2] * x.shape[3];
  PixelNormalization norm{std::vector<float>(static_cast<size_t>(c), 0.f), std::vector<float>(static_cast<size_t>(c), 1.f)};
  if (x.type == NpyType::uint8) return norm;
  for (int64_t ch = 0; ch < c; ++ch) {
    float lo = n ? x.as_float(ch * plane) : 0.f, hi = lo;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < plane; ++k) {
        const float v = x.as_float((i * c + ch) * plane + k);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    if (!(hi - lo > 1e-6f * std::max({1.f, std::fabs(lo), std::fabs(hi)}))) {
      lo -= 0.5f;
      hi = lo + 1.f;
    }
    norm.mean[static_cast<size_t>(ch)] = -lo / (hi - lo);
    norm.std[static_cast<size_t>(ch)] = 1.f / (hi - lo);
  }
  return norm;
}

class NumpyDataset final : public Dataset {
 public:
  NumpyDataset(const NpyArray& x, const NpyArray& y, const std::vector<int64_t>& rows, PixelNormalization norm,
               int classes)
      : type_(x.type), c_(x.shape[1]), h_(x.shape[2]), w_(x.shape[3]), classes_(classes), norm_(std::move(norm)) {
    const size_t row_bytes = static_cast<size_t>(c_ * h_ * w_ * npy_item_bytes(type_));
    samples_.resize(rows.size() * row_bytes);
    for (size_t k = 0; k < rows.size(); ++k) {
      std::copy_n(x.bytes.data() + static_cast<size_t>(rows[k]) * row_bytes, row_bytes, &samples_[k * row_bytes]);
      labels_.push_back(static_cast<int32_t>(y.as_int64(rows[k])));
    }
  }

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape sample_shape() const override { return {h_, w_, c_}; }
  int num_classes() const override { return classes_; }
  std::string class_name(int c) const override {
    require(c >= 0 && c < classes_, "numpy data: class " + std::to_string(c) + ": expected 0.." +
                                        std::to_string(classes_ - 1));
    return std::to_string(c);
  }
  int32_t label(int64_t i) const override { return labels_[static_cast<size_t>(i)]; }
  PixelNormalization normalization() const override { return norm_; }

  // CHW in the file, HWC out.
  void load(int64_t i, bool, Rng&, float* out) const override {
    const int64_t plane = h_ * w_;
    const size_t base = static_cast<size_t>(i * c_ * plane);
    for (int64_t ch = 0; ch < c_; ++ch)
      for (int64_t k = 0; k < plane; ++k) {
        const size_t at = base + static_cast<size_t>(ch * plane + k);
        float v;
        if (type_ == NpyType::float32) {
          std::copy_n(samples_.data() + at * 4, 4, reinterpret_cast<char*>(&v));
        } else {
          v = static_cast<float>(static_cast<uint8_t>(samples_[at])) / 255.f;
        }
        out[k * c_ + ch] = v;
      }
  }

 private:
  NpyType type_;
  int64_t c_, h_, w_;
  int classes_;
  PixelNormalization norm_;
  std::string samples_;  // the split's rows of x, as in the file
  std::vector<int32_t> labels_;
};

std::vector<int64_t> all_rows(int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i;
  return rows;
}

}  // namespace

bool is_numpy_data(const std::string& spec) { return ends_with(spec, ".npz") || ends_with(spec, ".npy"); }

std::unique_ptr<Dataset> open_numpy_dataset(const std::string& spec, Split split, const NumpyDataOptions& options) {
  Arrays a = read_arrays(spec, split == Split::test);
  check_arrays(a.train, options);
  const PixelNormalization norm = normalization_of(a.train.x);
  if (split == Split::test && a.has_test) {
    check_arrays(a.test, options);
    if (a.test.x.type != a.train.x.type)
      throw Error(a.test.x_what + ": dtype " + npy_type_name(a.test.x.type) + ": expected " +
                  npy_type_name(a.train.x.type) + " as in " + a.train.x_what);
    return std::make_unique<NumpyDataset>(a.test.x, a.test.y, all_rows(a.test.x.shape[0]), norm, options.classes);
  }
  const int64_t n = a.train.x.shape[0], val = options.validation_size;
  const int64_t held = a.has_test ? val : 2 * val;
  if (val < 1 || held >= n)
    throw Error(a.train.x_what + ": validation size " + std::to_string(val) + ": expected 1.." +
                std::to_string(a.has_test ? n - 1 : (n - 1) / 2) + " for " + std::to_string(n) + " samples" +
                (a.has_test ? "" : " (without test arrays, as many again are held out for test)"));
  const TrainValidationSplit parts = split_train_validation(n, held, options.split_seed);
  std::vector<int64_t> rows = parts.train;
  if (split != Split::train) {
    rows = parts.validation;
    if (!a.has_test) {
      const TrainValidationSplit held_parts = split_train_validation(held, val, options.split_seed);
      rows.clear();
      for (int64_t k : split == Split::validation ? held_parts.validation : held_parts.train)
        rows.push_back(parts.validation[static_cast<size_t>(k)]);
    }
  }
  return std::make_unique<NumpyDataset>(a.train.x, a.train.y, rows, norm, options.classes);
}

}  // namespace mpq
