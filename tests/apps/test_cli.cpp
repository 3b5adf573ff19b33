#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

struct Run {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// Runs the mpq binary (path in $MPQ_BIN) with `args` through the shell.
Run mpq(const std::string& args) {
  const char* bin = std::getenv("MPQ_BIN");
  BOOST_REQUIRE_MESSAGE(bin, "MPQ_BIN is not set");
  Run r;
  FILE* p = popen((std::string(bin) + " " + args + " 2>&1").c_str(), "r");
  BOOST_REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string temp_dir() {
  char tmpl[] = "/tmp/mpq_cli_XXXXXX";
  return mkdtemp(tmpl);
}

void put_u32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Writes a tiny gzip'd IDX data set: class k has a bright vertical band at k.
void write_tiny_idx(const std::string& dir, const std::string& prefix, int count) {
  std::string images, labels;
  put_u32(images, 0x803);
  put_u32(images, static_cast<uint32_t>(count));
  put_u32(images, 28);
  put_u32(images, 28);
  put_u32(labels, 0x801);
  put_u32(labels, static_cast<uint32_t>(count));
  for (int i = 0; i < count; ++i) {
    int k = i % 10;
    labels.push_back(static_cast<char>(k));
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) images.push_back(static_cast<char>(x / 3 == k ? 220 : 20));
  }
  for (auto& [name, bytes] : {std::pair<std::string, std::string&>{prefix + "-images-idx3-ubyte.gz", images},
                              {prefix + "-labels-idx1-ubyte.gz", labels}}) {
    gzFile f = gzopen((dir + "/" + name).c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(every_command_has_help_and_exits_zero) {
  for (const char* cmd : {"demo", "train", "finetune", "eval", "info", "bench train"}) {
    Run r = mpq(std::string(cmd) + " --help");
    BOOST_TEST(r.code == 0, cmd);
    BOOST_TEST(contains(r.out, "usage: mpq"), cmd);
  }
  Run top = mpq("--help");
  BOOST_TEST(top.code == 0);
  BOOST_TEST(contains(top.out, "train"));
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_with_one_line_naming_the_problem) {
  Run r = mpq("frobnicate");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.out, "mpq: error: unknown command 'frobnicate'"));
  r = mpq("train --epochs 0");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.out, "mpq: error: --epochs 0"));
  r = mpq("info --model resnet50");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.out, "resnet50"));
  r = mpq("info --no-such-flag");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.out, "no-such-flag"));
  r = mpq("info --input 3x224");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.out, "3x224"));
  r = mpq("bench");
  BOOST_TEST(r.code == 2);
}

BOOST_AUTO_TEST_CASE(failures_exit_1_and_name_the_file) {
  const std::string dir = temp_dir();
  Run r = mpq("eval --checkpoint " + dir + "/missing.mpqc");
  BOOST_TEST(r.code == 1);
  BOOST_TEST(contains(r.out, "missing.mpqc"));
  std::ofstream(dir + "/junk.mpqc") << "this is not a checkpoint";
  r = mpq("eval --checkpoint " + dir + "/junk.mpqc");
  BOOST_TEST(r.code == 1);
  BOOST_TEST(contains(r.out, "junk.mpqc"));
  r = mpq("train --data " + dir + " --out " + dir + "/x.mpqc");
  BOOST_TEST(r.code == 1);
  BOOST_TEST(contains(r.out, dir));
}

BOOST_AUTO_TEST_CASE(info_json_reports_parameters_macs_and_layers) {
  Run r = mpq("info --json");
  BOOST_TEST(r.code == 0);
  BOOST_TEST(contains(r.out, "\"params\": 215498"));
  BOOST_TEST(contains(r.out, "\"macs\""));
  BOOST_TEST(contains(r.out, "\"layers\""));
}

BOOST_AUTO_TEST_CASE(train_eval_and_resume_on_a_tiny_idx_dataset) {
  const std::string dir = temp_dir();
  write_tiny_idx(dir, "train", 400);
  write_tiny_idx(dir, "t10k", 100);
  const std::string common = "--data " + dir + " --val-size 80 --batch 32 --threads 1 --out " + dir + "/m.mpqc";
  Run r = mpq("train " + common + " --epochs 1");
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "epoch 1/1"));
  BOOST_TEST(contains(r.out, "test accuracy"));
  // A second run must not silently overwrite the checkpoint...
  r = mpq("train " + common + " --epochs 2");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.out, "--resume"));
  // ...but continues it with --resume, from epoch 2.
  r = mpq("train " + common + " --epochs 2 --resume");
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "resuming"));
  BOOST_TEST(contains(r.out, "epoch 2/2"));
  BOOST_TEST(!contains(r.out, "epoch 1/2"));
  r = mpq("eval --data " + dir + " --val-size 80 --checkpoint " + dir + "/m.mpqc --split validation --json");
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "\"images\": 80"));

  // Quantization-aware fine-tune of a uniform 4-bit policy, then its evaluation.
  const std::string q = "--data " + dir + " --val-size 80 --batch 32 --threads 1 --checkpoint " + dir + "/m.mpqc";
  r = mpq("finetune " + q + " --uniform 4 --epochs 1 --out " + dir + "/q4.mpqc");
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "fake-quant accuracy"));
  r = mpq("eval --data " + dir + " --val-size 80 --checkpoint " + dir + "/q4.mpqc --json");
  BOOST_TEST(r.code == 0, r.out);
  BOOST_TEST(contains(r.out, "\"kind\": \"finetune\""));
  // Bad policies are usage errors or failures that name the problem.
  r = mpq("finetune " + q + " --uniform 3 --out " + dir + "/q3.mpqc");
  BOOST_TEST(r.code == 2);
  BOOST_TEST(contains(r.out, "expected 2, 4 or 8"));
  std::ofstream(dir + "/bad.json") << "{\"format\": \"mpq-policy\"";
  r = mpq("finetune " + q + " --policy " + dir + "/bad.json --out " + dir + "/qb.mpqc");
  BOOST_TEST(r.code == 1);
  BOOST_TEST(contains(r.out, "bad.json"));
  r = mpq("finetune " + q + " --out " + dir + "/qn.mpqc");
  BOOST_TEST(r.code == 2);
}

BOOST_AUTO_TEST_SUITE_END()
