#pragma once

#include <memory>

#include "cli.hpp"
#include "libmpq/data/dataset.hpp"
#include "libmpq/data/split.hpp"

namespace mpq::cli {

// --data DIR, --val-size N, --split-seed S.
po::options_description data_options();

// Opens one split of the data named by --data for a model of `spec`: a folder of
// MNIST-format IDX files (Fashion-MNIST by default), an ImageNet-style folder with
// train/ and val/ subfolders, or NumPy arrays (open_numpy_dataset). Throws Error naming
// the folder when none fits.
std::unique_ptr<Dataset> open_dataset(const po::variables_map& vm, Split split, const ModelSpec& spec);

}  // namespace mpq::cli
