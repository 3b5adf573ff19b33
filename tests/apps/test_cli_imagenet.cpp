// The ImageNet-style path through the CLI at toy scale: an image folder (train/ and val/
// with one subfolder per class, images of varied sizes), a 3xSxS model, then eval, one
// search episode, export and the integer path. bench/imagenet_smoke.sh runs the same at
// 224x224 and 1000 classes.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "cli_helpers.hpp"

using namespace mpq_cli_test;

namespace {

void put_le(std::string& s, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A 24-bit BMP of w x h showing class k as a colour and stripes whose direction
// depends on k.
void write_bmp(const std::string& path, int w, int h, int k) {
  const int row = (3 * w + 3) / 4 * 4;
  std::string s = "BM";
  put_le(s, static_cast<uint32_t>(54 + row * h), 4);
  put_le(s, 0, 4);
  put_le(s, 54, 4);
  put_le(s, 40, 4);
  put_le(s, static_cast<uint32_t>(w), 4);
  put_le(s, static_cast<uint32_t>(h), 4);
  put_le(s, 1, 2);
  put_le(s, 24, 2);
  for (int i = 0; i < 6; ++i) put_le(s, 0, 4);  // BI_RGB, size, resolution, palette
  for (int y = h - 1; y >= 0; --y) {             // bottom-up rows, BGR
    std::string line;
    for (int x = 0; x < w; ++x) {
      const bool stripe = ((k % 2 ? x : y) / 6 + k) % 2 == 0;
      const int v = stripe ? 230 : 40;
      line.push_back(static_cast<char>(k == 0 ? v : 60));
      line.push_back(static_cast<char>(k == 1 ? v : 60));
      line.push_back(static_cast<char>(k >= 2 ? v : 60));
    }
    line.resize(static_cast<size_t>(row), '\0');
    s += line;
  }
  std::ofstream(path, std::ios::binary) << s;
}

// dir/{train,val}/class_<k>/ with `train` and `val` BMPs per class, sizes 64..111 px.
void write_image_folder(const std::string& dir, int classes, int train, int val) {
  int n = 0;
  for (const auto& [split, count] : {std::pair<std::string, int>{"train", train}, {"val", val}}) {
    mkdir((dir + "/" + split).c_str(), 0755);
    for (int k = 0; k < classes; ++k) {
      const std::string d = dir + "/" + split + "/class_" + std::to_string(k);
      mkdir(d.c_str(), 0755);
      for (int i = 0; i < count; ++i, ++n)
        write_bmp(d + "/" + std::to_string(i) + ".bmp", 64 + (n * 17) % 48, 64 + (n * 29) % 48, k);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_imagenet)

BOOST_AUTO_TEST_CASE(an_image_folder_goes_through_eval_search_export_and_the_integer_path) {
  const std::string dir = temp_dir();
  write_image_folder(dir, 4, 6, 2);  // 24 training images (8 held out), 8 test images
  const std::string data = "--data " + dir + " --val-size 8 --threads 1";
  const std::string model = "--model mobilenet_v1 --width 0.25 --input 3x64x64 --classes 4 --stem imagenet";
  Run r = mpq("train " + data + " " + model + " --epochs 1 --max-batches 2 --batch 8 --out " + dir + "/f.mpqc");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);

  r = mpq("eval " + data + " --checkpoint " + dir + "/f.mpqc --json");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "\"images\": 8"), r.out);

  r = mpq("search " + data + " --checkpoint " + dir + "/f.mpqc --board stm32h743 --episodes 1 --warmup 1 " +
          "--random-search 0 --finetune-batches 1 --finetune-batch 4 --val-images 8 --final-epochs 0 --no-shrunk " +
          kPactRecipe + " --out " + dir + "/s");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "episode 1/1"), r.out);
  BOOST_TEST(exists(dir + "/s/policy.json"));
  // --final-epochs 0 still leaves an exportable (calibrated) checkpoint per policy.
  BOOST_REQUIRE(exists(dir + "/s/final/searched.mpqc"));

  r = mpq("export --checkpoint " + dir + "/s/final/searched.mpqc --out " + dir + "/m.mpqm");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "equal to the memory model"), r.out);

  r = mpq("eval " + data + " --model " + dir + "/m.mpqm --checkpoint " + dir + "/s/final/searched.mpqc");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "agreement"), r.out);

  // A raw image of another size goes through the same resize and crop.
  r = mpq("run --model " + dir + "/m.mpqm " + dir + "/val/class_2/1.bmp --json");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
}

BOOST_AUTO_TEST_CASE(an_image_folder_needs_a_three_channel_square_input) {
  const std::string dir = temp_dir();
  write_image_folder(dir, 2, 3, 1);
  Run r = mpq("train --data " + dir + " --val-size 2 --threads 1 --input 1x64x64 --classes 2 --epochs 1 --out " + dir +
              "/f.mpqc");
  BOOST_TEST(r.code == 2, r.out);
  BOOST_TEST(contains(r.out, "3xSxS"), r.out);
}

BOOST_AUTO_TEST_CASE(an_imported_checkpoint_trains_on_with_train_resume) {
  // mpq import writes epoch 0 without optimizer state; train --resume starts from its
  // weights (how docs/imagenet.md fine-tunes converted MobileNetV1 weights).
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 100);
  write_tiny_idx(dir, "t10k", 50);
  const std::string v1 = "--model mobilenet_v1 --width 0.0625 --input 1x32x32 --classes 10 --stem small";
  Run r = mpq("import " + v1 + " --weights " + std::string(MPQ_TORCH_FIXTURES) + "/mobilenet_v1.safetensors --out " +
              dir + "/m.mpqc");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  r = mpq("train " + v1 + " --data " + dir + " --val-size 20 --threads 1 --epochs 1 --max-batches 2 --batch 16 " +
          "--lr 0.001 --out " + dir + "/m.mpqc --resume");
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "after epoch 0"), r.out);
  BOOST_TEST(contains(r.out, "epoch 1/1"), r.out);
}

BOOST_AUTO_TEST_SUITE_END()
