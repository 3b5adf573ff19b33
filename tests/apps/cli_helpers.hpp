// Shared by the CLI suites: running the mpq binary and making small inputs for it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mpq_cli_test {

// The quantizer flag of the tests' tiny searches, sweeps and fine-tunes that do not test
// the recipe: the 2-bit recipe of the default `--quantizer auto` (bias correction over the
// calibration images, a float teacher) made them several times slower (under ASan the cli
// suite passed its timeout). The recipe is tested by test_cli's fine-tunes and tests/train.
inline const std::string kPactRecipe = "--quantizer pact";

struct Run {
  int code = -1;        // exit status; -1 when ended by a signal
  bool killed = false;  // ended by SIGKILL (the process itself, or timeout -s KILL)
  std::string out;      // stdout and stderr together
};

// Runs the mpq binary (path in $MPQ_BIN) with `args` through the shell.
Run mpq(const std::string& args);
// Runs `mpq args` with MPQ_TEST_KILL_DURING_WRITE=`kill_spec` (libmpq/core/atomic_file.hpp):
// it kills itself inside the write that names.
Run mpq_killed_in_write(const std::string& kill_spec, const std::string& args);
// Runs `mpq args` and kills it with SIGKILL after `seconds`, unless it ended before.
Run mpq_killed_after(double seconds, const std::string& args);

// Runs `mpq args` on `ranks` MPI ranks (mpirun --oversubscribe `mpirun_flags`, as root
// too); a job still running after 240 s is ended (code -1).
Run mpq_on_ranks(int ranks, const std::string& args, const std::string& mpirun_flags = "");

// Runs `mpq args` and checks its exit code and, when `message` is not empty, that its
// output holds `message` (the one-line error); a failed check names the command and shows
// the output.
Run expect_exit(const std::string& args, int code, const std::string& message = "");

// Runs `mpq eval <data> --checkpoint <checkpoint> --model <blob> --json` and checks that it
// exits 0 and that the integer blob picks the fake-quant model's top class on at least
// `min_agreement` of the images; a failed check names the command and shows the output.
// Returns eval's JSON (accuracy, checkpoint_accuracy, top1_agreement, ...).
nlohmann::json expect_integer_agreement(const std::string& data, const std::string& checkpoint,
                                        const std::string& blob, double min_agreement);

// The logits of `mpq run --npy ... --json`, a row a sample; the run must have exited 0 (a
// failed check shows its output).
std::vector<std::vector<float>> logits_of(const Run& r);

bool contains(const std::string& s, const std::string& part);
bool exists(const std::string& path);
std::string slurp(const std::string& path);  // whole file, "" if unreadable
std::string temp_dir();                      // a fresh folder, removed when the program ends

// Writes a tiny gzip'd IDX data set: class k has a bright vertical band at k.
void write_tiny_idx(const std::string& dir, const std::string& prefix, int count);

// A fresh folder with tiny IDX data (`train_images` training, `test_images` test images) and
// a float model trained one epoch in batches of 32 with `train_flags` (the model, a batch
// limit) at dir + "/f.mpqc"; `data` the data flags for commands on it (--val-size
// test_images). By default the default model on two batches.
struct TinyFloat {
  std::string dir, data;
};
TinyFloat tiny_float(int train_images = 200, int test_images = 40, const std::string& train_flags = "--max-batches 2");

// Files made once per test run for the tests that need a trained model: a tiny IDX data
// set, a float checkpoint imported from the PyTorch fixture, and one-batch fine-tunes of
// it at uniform 4 and 8 bits.
struct Workspace {
  std::string dir;
  std::string data_flags;   // --data ... --val-size ... --batch ... --threads 1
  std::string model_flags;  // the fixture's --model ... --classes ...
  std::string float_checkpoint, q4, q8;
};
const Workspace& workspace();

// A checkpoint (which must load: a torn file throws) as bytes, with the timing columns
// of its training history (seconds, images/s) cleared, and without the meta keys
// `drop_meta`.
std::string checkpoint_without_timing(const std::string& path, const std::vector<std::string>& drop_meta = {});
// Everything but the timing column of episodes.csv.
std::string episodes_without_seconds(const std::string& path);
// The reports without the search's duration and the table of where this run's time went.
std::string report_without_time(const std::string& path);
// Checks that two `mpq search --out` folders hold the same results: policy.json,
// episodes.csv, the reports and the plot, the final checkpoints of the searched, random
// and rule-based policies (all apart from timings).
void expect_same_search_results(const std::string& expected, const std::string& dir);

}  // namespace mpq_cli_test
