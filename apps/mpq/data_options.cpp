#include "data_options.hpp"

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/data/fashion_mnist.hpp"

namespace mpq::cli {

po::options_description data_options() {
  po::options_description o("Data");
  o.add_options()
      ("data", po::value<std::string>()->default_value(kDefaultFashionMnistDir),
       "dataset folder: MNIST-format IDX files (Fashion-MNIST from Debian's dataset-fashion-mnist by default)")
      ("val-size", po::value<int64_t>()->default_value(5000), "training images held out for validation")
      ("split-seed", po::value<uint64_t>()->default_value(42), "seed of the train/validation split");
  return o;
}

namespace {
bool has_idx_files(const std::string& dir) {
  return file_exists(dir + "/train-images-idx3-ubyte.gz") || file_exists(dir + "/train-images-idx3-ubyte") ||
         file_exists(dir + "/t10k-images-idx3-ubyte.gz") || file_exists(dir + "/t10k-images-idx3-ubyte");
}
}  // namespace

std::unique_ptr<Dataset> open_dataset(const po::variables_map& vm, Split split, const ModelSpec& spec) {
  const std::string dir = vm["data"].as<std::string>();
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
  throw Error("--data " + dir + ": no IDX files (train-images-idx3-ubyte[.gz]) found");
}

}  // namespace mpq::cli
