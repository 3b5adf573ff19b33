#include "data_options.hpp"

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/data/dataset_subset.hpp"
#include "libmpq/data/fashion_mnist.hpp"
#include "libmpq/data/image_folder.hpp"
#include "libmpq/data/numpy_dataset.hpp"
#include "libmpq/data/train_validation_split.hpp"

namespace mpq::cli {

po::options_description data_options() {
  po::options_description o("Data");
  o.add_options()
      ("data", po::value<std::string>()->default_value(kDefaultFashionMnistDir),
       "dataset folder: MNIST-format IDX files (Fashion-MNIST from Debian's dataset-fashion-mnist by default), "
       "an ImageNet-style folder with train/ and val/ holding one subfolder per class, "
       "or NumPy arrays: x.npy,y.npy[,x_test.npy,y_test.npy] or an .npz with x, y[, x_test, y_test] (docs/data.md)")
      ("val-size", po::value<int64_t>()->default_value(5000),
       "training images held out for validation (NumPy data without test arrays: as many again for test)")
      ("split-seed", po::value<uint64_t>()->default_value(42), "seed of the train/validation split");
  return o;
}

namespace {
bool has_idx_files(const std::string& dir) {
  return file_exists(dir + "/train-images-idx3-ubyte.gz") || file_exists(dir + "/train-images-idx3-ubyte") ||
         file_exists(dir + "/t10k-images-idx3-ubyte.gz") || file_exists(dir + "/t10k-images-idx3-ubyte");
}
}  // namespace

namespace {

// A dataset that owns the base it views (DatasetSubset only borrows it).
class OwningSubset final : public Dataset {
 public:
  OwningSubset(std::unique_ptr<Dataset> base, std::vector<int64_t> indices)
      : base_(std::move(base)), view_(*base_, std::move(indices)) {}
  int64_t size() const override { return view_.size(); }
  Shape sample_shape() const override { return view_.sample_shape(); }
  int num_classes() const override { return view_.num_classes(); }
  std::string class_name(int c) const override { return view_.class_name(c); }
  int32_t label(int64_t i) const override { return view_.label(i); }
  PixelNormalization normalization() const override { return view_.normalization(); }
  void load(int64_t i, bool augment, Rng& rng, float* out) const override { view_.load(i, augment, rng, out); }

 private:
  std::unique_ptr<Dataset> base_;
  DatasetSubset view_;
};

// ImageNet layout: train/ is split into train and validation (never val/, which is
// the test split, as for ImageNet whose test labels are not public).
std::unique_ptr<Dataset> open_image_folder_split(const po::variables_map& vm, Split split, const ModelSpec& spec) {
  const std::string dir = vm["data"].as<std::string>();
  if (spec.in_channels != 3 || spec.in_height != spec.in_width)
    throw UsageError("--input: image folders need a 3xSxS input (e.g. --input 3x224x224)");
  ImageFolderOptions o;
  o.size = spec.in_height;
  if (split == Split::test) return open_image_folder(dir + "/val", o);
  auto base = open_image_folder(dir + "/train", o);
  const int64_t val_size = vm["val-size"].as<int64_t>();
  if (val_size < 1 || val_size >= base->size())
    throw UsageError("--val-size " + std::to_string(val_size) + ": expected 1.." + std::to_string(base->size() - 1) +
                     " for " + dir + "/train");
  TrainValidationSplit s = split_train_validation(base->size(), val_size, vm["split-seed"].as<uint64_t>());
  return std::make_unique<OwningSubset>(std::move(base), split == Split::train ? s.train : s.validation);
}

}  // namespace

std::unique_ptr<Dataset> open_dataset(const po::variables_map& vm, Split split, const ModelSpec& spec) {
  const std::string dir = vm["data"].as<std::string>();
  require_class_output(spec, "--data " + dir);
  if (is_numpy_data(dir)) {
    NumpyDataOptions o;
    o.channels = spec.in_channels;
    o.height = spec.in_height;
    o.width = spec.in_width;
    o.classes = static_cast<int>(spec.classes);
    o.validation_size = vm["val-size"].as<int64_t>();
    o.split_seed = vm["split-seed"].as<uint64_t>();
    return open_numpy_dataset(dir, split, o);
  }
  if (!file_exists(dir))
    throw Error("--data " + dir + ": no such folder" +
                (dir == kDefaultFashionMnistDir ? " (install Debian's dataset-fashion-mnist)" : ""));
  if (has_idx_files(dir)) {
    if (spec.in_channels != 1 || spec.in_height != spec.in_width || spec.in_height < 28)
      throw UsageError("--input " + std::to_string(spec.in_channels) + "x" + std::to_string(spec.in_height) + "x" +
                       std::to_string(spec.in_width) + ": IDX images need a 1xSxS input with S >= 28");
    FashionMnistOptions o;
    o.validation_size = vm["val-size"].as<int64_t>();
    o.split_seed = vm["split-seed"].as<uint64_t>();
    o.image_size = spec.in_height;
    return open_fashion_mnist(dir, split, o);
  }
  if (file_exists(dir + "/train") || file_exists(dir + "/val")) return open_image_folder_split(vm, split, spec);
  throw Error("--data " + dir + ": neither IDX files (train-images-idx3-ubyte[.gz]) nor train/ and val/ folders");
}

}  // namespace mpq::cli
