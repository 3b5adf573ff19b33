// mpq: find, train and deploy mixed-precision quantized CNNs for microcontrollers.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "libmpq/dist/ranks.hpp"

namespace {

struct Entry {
  const char* name;
  mpq::cli::Command run;
  const char* summary;
};

const Entry kCommands[] = {
    {"demo", mpq::cli::run_demo, "run the whole default pipeline end to end and print the results"},
    {"train", mpq::cli::run_train, "train a float model (default: MobileNetV1 0.25 on Fashion-MNIST)"},
    {"search", mpq::cli::run_search, "DDPG mixed-precision search under FLASH/RAM budgets, with baselines"},
    {"sweep", mpq::cli::run_sweep, "the search with its baselines at every budget of a list: accuracy-memory curves"},
    {"finetune", mpq::cli::run_finetune, "quantization-aware fine-tuning of a bit-width policy"},
    {"export", mpq::cli::run_export, "fine-tuned checkpoint -> integer model blob (+ C source)"},
    {"run", mpq::cli::run_run, "class scores of images through the integer model"},
    {"eval", mpq::cli::run_eval, "accuracy of a checkpoint on the validation or test split"},
    {"info", mpq::cli::run_info, "per-layer shapes, parameters and MACs of a model"},
    {"memory", mpq::cli::run_memory, "FLASH and RAM of a policy, per layer, against a board's budget"},
    {"bench", mpq::cli::run_bench, "throughput of training and inference (bench train | bench infer)"},
    {"import", mpq::cli::run_import, "PyTorch weights (safetensors, torchvision names) -> float checkpoint"},
    {"export-weights", mpq::cli::run_export_weights, "float checkpoint -> PyTorch weights (safetensors)"},
};

void print_usage(std::ostream& out) {
  out << "usage: mpq <command> [options]   ('mpq <command> --help' for its options)\n\ncommands:\n";
  size_t width = 0;
  for (const Entry& e : kCommands) width = std::max(width, std::strlen(e.name));
  for (const Entry& e : kCommands)
    out << "  " << e.name << std::string(width + 2 - std::strlen(e.name), ' ') << e.summary << "\n";
}

// Commands that run on the ranks of an MPI job (docs/scale-out.md); every other one would
// only repeat its work and race for its files on every rank.
bool runs_on_ranks(const std::string& name) {
  return name == "search" || name == "sweep" || name == "train" || name == "finetune";
}

// An error on one rank: the others cannot know of it and would wait for it in their next
// collective, so the whole job ends (dist::abort) once it is printed. Each rank prints its
// own line, named by rank, since only it knows its error.
int fail(const std::string& message, int code) {
  if (mpq::dist::size() > 1) {
    // One write, so that the lines of two failing ranks do not interleave.
    const std::string line = "mpq: error: rank " + std::to_string(mpq::dist::rank()) + " of " +
                             std::to_string(mpq::dist::size()) + ": " + message + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
    mpq::dist::abort(code);
  }
  std::cerr << "mpq: error: " << message << "\n";
  return code;
}

// An error every rank meets alike before any collective (a command that does not run on
// ranks, an unknown one): rank 0 prints it once and every rank exits normally with `code`,
// which mpirun passes on; no rank needs to abort the others.
int fail_on_every_rank(const std::string& message, int code) {
  if (mpq::dist::is_root()) std::cerr << "mpq: error: " << message << "\n";
  return code;
}

int run(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const Entry& e : kCommands) {
    if (name != e.name) continue;
    if (mpq::dist::size() > 1 && !runs_on_ranks(name))
      return fail_on_every_rank("'" + name + "' runs as one process; of the commands only 'search', 'sweep', 'train' and " +
                      "'finetune' run on several MPI ranks",
                  2);
    try {
      return e.run(args);
    } catch (const mpq::cli::UsageError& err) {
      return fail(err.what(), 2);
    } catch (const mpq::Error& err) {
      return fail(err.what(), 1);
    } catch (const std::bad_alloc&) {
      return fail("out of memory", 1);
    } catch (const std::exception& err) {
      // A backstop: every known failure throws mpq::Error naming its file and field; this
      // keeps an unforeseen one from ending in std::terminate and a core dump.
      return fail(err.what(), 1);
    }
  }
  if (mpq::dist::is_root()) print_usage(std::cerr);
  return fail_on_every_rank("unknown command '" + name + "'", 2);
}

}  // namespace

int main(int argc, char** argv) {
  mpq::dist::init(argc, argv);
  // Rank 0 alone prints progress and results; the others' errors still reach stderr.
  if (mpq::dist::rank() != 0 && !std::freopen("/dev/null", "w", stdout)) mpq::dist::abort(1);
  const int code = run(argc, argv);
  mpq::dist::finalize();
  return code;
}
