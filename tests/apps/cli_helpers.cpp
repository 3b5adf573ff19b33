#include "cli_helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <zlib.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <utility>

#include "libmpq/nn/checkpoint.hpp"
#include "temp_dir.hpp"

namespace mpq_cli_test {

namespace {

std::string mpq_bin() {
  const char* bin = std::getenv("MPQ_BIN");
  BOOST_REQUIRE_MESSAGE(bin, "MPQ_BIN is not set");
  return bin;
}

// Runs `command` (its words before mpq's arguments) with `args` through the shell; exec,
// so that a kill ends the process popen waits for, not a shell around it.
Run run_mpq(const std::string& command, const std::string& args) {
  Run r;
  FILE* p = popen(("exec " + command + " " + args + " 2>&1").c_str(), "r");
  BOOST_REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  return r;
}

}  // namespace

Run mpq(const std::string& args) { return run_mpq(mpq_bin(), args); }

Run mpq_killed_in_write(const std::string& kill_spec, const std::string& args) {
  return run_mpq("env MPQ_TEST_KILL_DURING_WRITE=" + kill_spec + " " + mpq_bin(), args);
}

Run mpq_killed_after(double seconds, const std::string& args) {
  Run r = run_mpq("timeout -s KILL " + std::to_string(seconds) + " " + mpq_bin(), args);
  if (r.code == 128 + SIGKILL) {  // timeout's status when it killed the command
    r.code = -1;
    r.killed = true;
  }
  return r;
}

Run mpq_on_ranks(int ranks, const std::string& args, const std::string& mpirun_flags) {
  // SIGTERM first: mpirun passes it on to the ranks; timeout then exits 124 (137 is what
  // mpirun itself returns when a rank was killed).
  Run r = run_mpq("timeout -k 10 240 mpirun --allow-run-as-root --oversubscribe " + mpirun_flags + " -np " +
                      std::to_string(ranks) + " " + mpq_bin(),
                  args);
  if (r.code == 124) r.code = -1;
  return r;
}

Run expect_exit(const std::string& args, int code, const std::string& message) {
  Run r = mpq(args);
  BOOST_TEST(r.code == code, "mpq " << args << "\n" << r.out);
  if (!message.empty())
    BOOST_TEST(contains(r.out, message), "mpq " << args << ": expected '" << message << "' in\n" << r.out);
  return r;
}

nlohmann::json expect_integer_agreement(const std::string& data, const std::string& checkpoint,
                                        const std::string& blob, double min_agreement) {
  const std::string args = "eval " + data + " --checkpoint " + checkpoint + " --model " + blob + " --json";
  const Run r = expect_exit(args, 0);
  const nlohmann::json out = nlohmann::json::parse(r.out, nullptr, false);
  BOOST_REQUIRE_MESSAGE(out.is_object() && out.contains("top1_agreement") && out["top1_agreement"].is_number(),
                        "mpq " << args << ": expected JSON with top1_agreement in\n" << r.out);
  const double agreement = out["top1_agreement"].get<double>();
  BOOST_TEST(agreement >= min_agreement,
             "mpq " << args << ": top-1 agreement " << agreement << ", expected at least " << min_agreement << "\n"
                    << r.out);
  return out;
}

std::vector<std::vector<float>> logits_of(const Run& r) {
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  return nlohmann::json::parse(r.out).at("logits").get<std::vector<std::vector<float>>>();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

bool exists(const std::string& path) { return std::ifstream(path).good(); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string temp_dir() { return mpq::test::temp_folder_of_this_run("cli"); }

namespace {
void put_u32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

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

TinyFloat tiny_float(int train_images, int test_images, const std::string& train_flags) {
  TinyFloat t;
  t.dir = temp_dir();
  write_tiny_idx(t.dir, "train", train_images);
  write_tiny_idx(t.dir, "t10k", test_images);
  t.data = "--data " + t.dir + " --val-size " + std::to_string(test_images) + " --threads 1";
  const Run r = mpq("train " + t.data + " --epochs 1 --batch 32 " + train_flags + " --out " + t.dir + "/f.mpqc");
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
  return t;
}

const Workspace& workspace() {
  static const Workspace w = [] {
    Workspace k;
    k.dir = temp_dir();
    write_tiny_idx(k.dir, "train", 200);
    write_tiny_idx(k.dir, "t10k", 40);
    k.data_flags = "--data " + k.dir + " --val-size 40 --batch 16 --threads 1";
    k.model_flags = "--model mobilenet_v1 --width 0.0625 --input 1x32x32 --classes 10 --stem small";
    k.float_checkpoint = k.dir + "/float.mpqc";
    Run r = mpq("import " + k.model_flags + " --weights " + MPQ_TORCH_FIXTURES + "/mobilenet_v1.safetensors --out " +
                k.float_checkpoint);
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
    for (const char* bits : {"4", "8"}) {
      const std::string out = k.dir + "/q" + bits + ".mpqc";
      r = mpq("finetune " + k.data_flags + " --checkpoint " + k.float_checkpoint + " --uniform " + bits +
              " --epochs 1 --max-batches 1 --calibration-images 16 --out " + out);
      BOOST_REQUIRE_MESSAGE(r.code == 0, r.out);
      (bits[0] == '4' ? k.q4 : k.q8) = out;
    }
    return k;
  }();
  return w;
}

std::string checkpoint_without_timing(const std::string& path, const std::vector<std::string>& drop_meta) {
  mpq::Checkpoint c = mpq::load_checkpoint(path);
  for (const std::string& key : drop_meta) c.meta.erase(key);
  if (c.meta.count("history")) {
    std::istringstream rows(c.meta["history"]);
    std::string row, history;
    while (std::getline(rows, row, ';')) history += row.substr(0, row.rfind(',', row.rfind(',') - 1)) + ";";
    c.meta["history"] = history;
  }
  return mpq::encode_checkpoint(c);
}

std::string episodes_without_seconds(const std::string& path) {
  std::ifstream in(path);
  std::string line, out;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

// A resumed run's table of where its time went differs: it skips what the killed one did.
std::string report_without_time(const std::string& path) {
  static const std::regex minutes(", [0-9.]+ min\n"), seconds("\n *\"search_seconds\": [^\n]*"),
      stages_md("Where this run's time went[^`]*```[^`]*```"), stages_json("\n  \"stages\": \\[[^\\]]*\n  \\],?");
  std::string text = std::regex_replace(slurp(path), minutes, "\n");
  for (const std::regex* r : {&seconds, &stages_md, &stages_json}) text = std::regex_replace(text, *r, "");
  return text;
}

void expect_same_search_results(const std::string& expected, const std::string& dir) {
  BOOST_TEST(slurp(dir + "/policy.json") == slurp(expected + "/policy.json"), dir);
  BOOST_TEST(episodes_without_seconds(dir + "/episodes.csv") == episodes_without_seconds(expected + "/episodes.csv"),
             dir);
  for (const char* report : {"/report.md", "/report.json"})
    BOOST_TEST(report_without_time(dir + report) == report_without_time(expected + report), dir + report);
  BOOST_TEST(slurp(dir + "/search.svg") == slurp(expected + "/search.svg"), dir);
  for (const char* final : {"/final/searched.mpqc", "/final/random.mpqc", "/final/rule-based.mpqc"})
    BOOST_TEST(checkpoint_without_timing(dir + final) == checkpoint_without_timing(expected + final), dir + final);
}

}  // namespace mpq_cli_test
