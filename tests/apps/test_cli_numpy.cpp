// NumPy data through the commands: train and eval on --data x.npy,y.npy or an .npz, run
// --npy on checkpoints and integer blobs, and one-line errors naming the file.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "libmpq/data/npz_archive.hpp"
#include "libmpq/nn/checkpoint.hpp"

using namespace mpq_cli_test;
using mpq::NpyArray;
using mpq::NpyType;

BOOST_AUTO_TEST_SUITE(cli_numpy)

namespace {

// n samples 1x32x32: class k = i mod 10 has a bright vertical band at columns 3k..3k+2
// (as write_tiny_idx's images), raw uint8.
NpyArray band_images(int64_t n) {
  NpyArray x{NpyType::uint8, {n, 1, 32, 32}, {}};
  for (int64_t i = 0; i < n; ++i)
    for (int y = 0; y < 32; ++y)
      for (int c = 0; c < 32; ++c) x.bytes += static_cast<char>(c / 3 == i % 10 ? 220 : 20);
  return x;
}

NpyArray band_labels(int64_t n, NpyType type) {
  NpyArray y{type, {n}, {}};
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = i % 10;
    y.bytes.append(reinterpret_cast<const char*>(&k), static_cast<size_t>(mpq::npy_item_bytes(type)));
  }
  return y;
}

// x as float32: (p / 255 - mean) / std.
NpyArray as_float(const NpyArray& x, float mean, float std) {
  NpyArray f{NpyType::float32, x.shape, {}};
  for (char p : x.bytes) {
    const float v = (static_cast<float>(static_cast<uint8_t>(p)) / 255.f - mean) / std;
    f.bytes.append(reinterpret_cast<const char*>(&v), 4);
  }
  return f;
}

void write(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  BOOST_REQUIRE(f);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

const std::string kModel = "--model mobilenet_v1 --width 0.0625 --input 1x32x32 --classes 10 --stem small";

}  // namespace

BOOST_AUTO_TEST_CASE(train_and_eval_on_npy_files_equal_the_same_data_as_float32_in_an_npz) {
  const std::string dir = temp_dir();
  const NpyArray x = band_images(120);
  write(dir + "/x.npy", mpq::encode_npy(x));
  write(dir + "/y.npy", mpq::encode_npy(band_labels(120, NpyType::int64)));
  // uint8 pixels are read as p / 255: the same network input as float32 p / 255.
  write(dir + "/d.npz", mpq::encode_npz({{"x", as_float(x, 0.f, 1.f)}, {"y", band_labels(120, NpyType::int32)}}, true));
  const std::string flags = " --val-size 20 --batch 16 --threads 1 ";
  nlohmann::json evals[2];
  int k = 0;
  for (const std::string& data : {dir + "/x.npy," + dir + "/y.npy", dir + "/d.npz"}) {
    const std::string out = dir + "/f" + std::to_string(k) + ".mpqc";
    expect_exit("train --data " + data + flags + kModel + " --epochs 1 --max-batches 3 --out " + out, 0,
                "test accuracy");
    Run r = expect_exit("eval --data " + data + flags + "--checkpoint " + out + " --json", 0, "\"images\": 20");
    evals[k++] = nlohmann::json::parse(r.out);
  }
  BOOST_TEST(evals[0].at("loss").get<double>() == evals[1].at("loss").get<double>());
  BOOST_TEST(evals[0].at("accuracy").get<double>() == evals[1].at("accuracy").get<double>());
  // run --npy gives a row of 10 logits per sample, the same for both forms of the input.
  write(dir + "/few.npy", mpq::encode_npy(band_images(3)));
  write(dir + "/few_f.npy", mpq::encode_npy(as_float(band_images(3), 0.f, 1.f)));
  const auto a = logits_of(mpq_cli_test::mpq("run --checkpoint " + dir + "/f0.mpqc --npy " + dir + "/few.npy --json"));
  BOOST_TEST(a.size() == 3u);
  BOOST_TEST(a[0].size() == 10u);
  BOOST_TEST(a == logits_of(mpq_cli_test::mpq("run --checkpoint " + dir + "/f0.mpqc --npy " + dir + "/few_f.npy --json")));
}

BOOST_AUTO_TEST_CASE(run_npy_on_an_integer_blob_takes_uint8_raw_and_float32_through_the_checkpoint) {
  const Workspace& w = workspace();
  const std::string dir = temp_dir(), blob = dir + "/q8.mpqm";
  expect_exit("export --checkpoint " + w.q8 + " --out " + blob, 0);
  const NpyArray x = band_images(10);
  write(dir + "/x.npy", mpq::encode_npy(x));
  // The fine-tune ran on IDX images: Fashion-MNIST's normalization, recorded in the checkpoint.
  write(dir + "/xf.npy", mpq::encode_npy(as_float(x, 0.2860f, 0.3530f)));
  const auto raw = logits_of(mpq_cli_test::mpq("run --model " + blob + " --npy " + dir + "/x.npy --json"));
  BOOST_TEST(raw.size() == 10u);
  BOOST_TEST(raw == logits_of(mpq_cli_test::mpq("run --model " + blob + " --checkpoint " + w.q8 + " --npy " + dir + "/xf.npy --json")));
  // The fake-quant model of the same checkpoint on the same rows: the integer path's
  // top class on (nearly) every row.
  const auto fq = logits_of(mpq_cli_test::mpq("run --checkpoint " + w.q8 + " --npy " + dir + "/x.npy --json"));
  BOOST_REQUIRE(fq.size() == raw.size());
  int agree = 0;
  for (size_t i = 0; i < raw.size(); ++i)
    agree += std::max_element(raw[i].begin(), raw[i].end()) - raw[i].begin() ==
             std::max_element(fq[i].begin(), fq[i].end()) - fq[i].begin();
  BOOST_TEST(agree >= 9);
  expect_exit("run --model " + blob + " --npy " + dir + "/xf.npy", 2, "add --checkpoint");
  expect_exit("run --model " + blob + " --npy " + dir + "/x.npy " + dir + "/img.png", 2, "not both");
}

BOOST_AUTO_TEST_CASE(float32_data_finetunes_and_exports_with_integer_agreement_over_its_range) {
  // Values 4 p / 255 - 1 (about -0.69 and 2.45): the 8-bit input must cover the data's own range.
  const Workspace& w = workspace();
  const std::string dir = temp_dir(), q = dir + "/q.mpqc";
  const NpyArray x = as_float(band_images(100), 0.25f, 0.25f);
  write(dir + "/d.npz", mpq::encode_npz({{"x", x}, {"y", band_labels(100, NpyType::int64)}}, false));
  const std::string data = "--data " + dir + "/d.npz --val-size 20 --batch 16 --threads 1 ";
  expect_exit("finetune " + data + "--checkpoint " + w.float_checkpoint + " --uniform 8 --epochs 1 --max-batches 2 " +
                  "--calibration-images 16 --out " + q,
              0);
  expect_exit("export --checkpoint " + q + " --out " + dir + "/q.mpqm", 0);
  expect_integer_agreement(data, q, dir + "/q.mpqm", 0.95);
  // The recorded normalization maps raw 0 and 255 onto the data's minimum and maximum.
  float lo = 1e9f, hi = -1e9f;
  for (size_t i = 0; i < x.bytes.size(); i += 4) {
    float v;
    std::memcpy(&v, &x.bytes[i], 4);
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  const mpq::Checkpoint ckpt = mpq::load_checkpoint(q);
  const float mean = std::stof(ckpt.meta_or("input_mean", "nan")), std = std::stof(ckpt.meta_or("input_std", "nan"));
  BOOST_TEST((0.f - mean) / std == lo, boost::test_tools::tolerance(1e-5f));
  BOOST_TEST((1.f - mean) / std == hi, boost::test_tools::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(bad_numpy_inputs_exit_1_naming_the_file) {
  const Workspace& w = workspace();
  const std::string dir = temp_dir();
  NpyArray wrong{NpyType::uint8, {2, 3, 32, 32}, std::string(2 * 3 * 32 * 32, '\0')};
  write(dir + "/wrong.npy", mpq::encode_npy(wrong));
  write(dir + "/x.npy", mpq::encode_npy(band_images(30)));
  write(dir + "/y.npy", mpq::encode_npy(band_labels(30, NpyType::int64)));
  NpyArray eleven = band_labels(30, NpyType::uint8);
  eleven.bytes[7] = 11;
  write(dir + "/y11.npy", mpq::encode_npy(eleven));
  write(dir + "/cut.npy", mpq::encode_npy(band_images(2)).substr(0, 300));
  expect_exit("run --checkpoint " + w.float_checkpoint + " --npy " + dir + "/wrong.npy", 1,
              "mpq: error: " + dir + "/wrong.npy: shape 2x3x32x32: expected Nx1x32x32");
  expect_exit("run --checkpoint " + w.float_checkpoint + " --npy " + dir + "/cut.npy", 1,
              "mpq: error: " + dir + "/cut.npy: truncated .npy file");
  expect_exit("eval --data " + dir + "/x.npy," + dir + "/y11.npy --val-size 5 --checkpoint " + w.float_checkpoint, 1,
              "mpq: error: " + dir + "/y11.npy: label 11 at index 7: expected 0..9");
  expect_exit("eval --data " + dir + "/wrong.npy," + dir + "/y.npy --val-size 5 --checkpoint " + w.float_checkpoint, 1,
              dir + "/wrong.npy: shape");
  expect_exit("eval --data " + dir + "/x.npy," + dir + "/y.npy --val-size 15 --checkpoint " + w.float_checkpoint, 1,
              "validation size 15: expected 1..14");
}

BOOST_AUTO_TEST_SUITE_END()
