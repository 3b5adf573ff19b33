// mpq run: class scores of images through the integer model (the device's code path),
// or logits of the rows of a NumPy array (run_npy.cpp).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "libmpq/data/decode_image.hpp"
#include "libmpq/data/image_transform.hpp"
#include "libmpq/export/integer_model.hpp"
#include "run_npy.hpp"

namespace mpq::cli {

namespace {

// Brings a decoded image to the model's input size: as is when it matches; centered on
// a zero canvas when smaller (28x28 Fashion-MNIST images into 32x32 models); otherwise
// the evaluation transform of image folders (shorter side to size * 256 / 224, center crop).
ImageU8 fit_to_input(const ImageU8& image, int64_t h, int64_t w) {
  if (image.height == h && image.width == w) return image;
  if (image.height <= h && image.width <= w) {
    ImageU8 canvas(h, w, image.channels, 0);
    const int64_t top = (h - image.height) / 2, left = (w - image.width) / 2;
    for (int64_t y = 0; y < image.height; ++y)
      for (int64_t x = 0; x < image.width; ++x)
        for (int64_t c = 0; c < image.channels; ++c)
          canvas.pixels[static_cast<size_t>(((y + top) * w + x + left) * image.channels + c)] =
              image.pixels[static_cast<size_t>((y * image.width + x) * image.channels + c)];
    return canvas;
  }
  const int64_t shorter = (std::min(h, w) * 256 + 112) / 224;
  return center_crop(resize_shorter_side(image, shorter), h, w);
}

}  // namespace

int run_run(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()
      ("model", po::value<std::string>()->default_value("runs/default/model.mpqm"), "integer model blob (.mpqm)")
      ("image", po::value<std::vector<std::string>>()->multitoken(), "images (PNG, JPEG, BMP, ...); also positional")
      ("npy", po::value<std::string>(), "N x C x H x W array (.npy, float32 or uint8): prints the logits of every row")
      ("checkpoint", po::value<std::string>(),
       "with --npy: run this float or fine-tuned checkpoint (.mpqc); with --model too, the input normalization "
       "of float32 rows comes from it")
      ("reference", "run the reference kernels instead of the fast ones")
      ("json", "print JSON");
  po::positional_options_description positional;
  positional.add("image", -1);
  po::variables_map vm;
  {
    po::options_description all("Options");
    all.add_options()("help,h", "show this help");
    all.add(opts);
    try {
      po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
      if (vm.count("help")) {
        std::cout << "usage: mpq run [--model model.mpqm] IMAGE...\n"
                     "       mpq run (--model model.mpqm | --checkpoint C.mpqc) --npy x.npy [--json]\n\n"
                     "Runs images through the integer-only model with the freestanding runtime (the code\n"
                     "the firmware runs) and prints the class scores (dequantized logits) and the top class.\n"
                     "With --npy, the logits of every row of the array, {\"logits\": [[...], ...]} with --json,\n"
                     "from the integer model or the checkpoint's float (or fake-quant) model (docs/data.md).\n\n"
                  << all << "\n";
        return 0;
      }
      po::notify(vm);
      reject_option_like_values(vm);
    } catch (const po::error& e) {
      throw UsageError(std::string(e.what()) + " (see 'mpq run --help')");
    }
  }
  if (vm.count("npy")) {
    if (vm.count("image")) throw UsageError("run: give images or --npy, not both");
    return run_npy(vm);
  }
  if (vm.count("checkpoint")) throw UsageError("run: --checkpoint goes with --npy (images run the integer --model)");
  if (!vm.count("image")) throw UsageError("run: give at least one image (see 'mpq run --help')");
  const IntegerModel model = IntegerModel::load(vm["model"].as<std::string>());
  const auto& v = model.view();
  nlohmann::json results = nlohmann::json::array();
  for (const std::string& path : vm["image"].as<std::vector<std::string>>()) {
    const ImageU8 image = fit_to_input(decode_image_file(path, v.input_c), v.input_h, v.input_w);
    const std::vector<int32_t> codes = model.run(image.pixels.data(), vm.count("reference") > 0);
    const std::vector<float> scores = model.dequantize(codes);
    const auto top = static_cast<int>(std::max_element(codes.begin(), codes.end()) - codes.begin());
    if (vm.count("json")) {
      results.push_back({{"image", path}, {"top", top}, {"codes", codes}, {"scores", scores}});
    } else {
      std::printf("%s: class %d  scores", path.c_str(), top);
      for (float s : scores) std::printf(" %.4f", static_cast<double>(s));
      std::printf("\n");
    }
  }
  if (vm.count("json")) std::cout << results.dump(2) << "\n";
  return 0;
}

}  // namespace mpq::cli
