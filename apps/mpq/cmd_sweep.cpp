// mpq sweep: the search with every baseline at each budget of a list (or of a default grid
// made from the model's memory), one `mpq search` per budget in <out>/<budget>/, resumed
// where a killed sweep stopped; then the accuracy-memory curves of every method
// (sweep.md, sweep.json, sweep.svg). On the ranks of an MPI job every search runs on all
// of them and rank 0 alone writes the sweep's files (docs/scale-out.md).
#include <cstdio>

#include <boost/any.hpp>

#include "cli.hpp"
#include "data_options.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/mcu/board.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/mcu/code_size.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/search/baselines.hpp"
#include "libmpq/search/policy_search.hpp"
#include "libmpq/search/sweep_budgets.hpp"
#include "libmpq/search/sweep_report.hpp"
#include "search_budget_options.hpp"

namespace mpq::cli {

namespace {

std::string value_text(const boost::any& v) {
  char b[64];
  if (const auto* s = boost::any_cast<std::string>(&v)) return *s;
  if (const auto* i = boost::any_cast<int64_t>(&v)) return std::to_string(*i);
  if (const auto* u = boost::any_cast<uint64_t>(&v)) return std::to_string(*u);
  if (const auto* n = boost::any_cast<int>(&v)) return std::to_string(*n);
  if (const auto* f = boost::any_cast<float>(&v)) {
    std::snprintf(b, sizeof b, "%.9g", static_cast<double>(*f));
    return b;
  }
  if (const auto* d = boost::any_cast<double>(&v)) {
    std::snprintf(b, sizeof b, "%.17g", *d);
    return b;
  }
  throw Error("mpq sweep: an option of a type it cannot pass on");  // a new option type: extend this
}

// The options given on the command line (not defaulted) of `groups`, as mpq search takes them.
std::vector<std::string> passed_on(const po::variables_map& vm, const std::vector<po::options_description>& groups) {
  std::vector<std::string> args;
  for (const auto& group : groups)
    for (const auto& option : group.options()) {
      const std::string name = option->long_name();
      if (!vm.count(name) || vm[name].defaulted()) continue;
      args.push_back("--" + name);
      if (option->semantic()->max_tokens() > 0) args.push_back(value_text(vm[name].value()));
    }
  return args;
}

// What fits at a budget before anything runs: the uniform policies and the shrunk model.
std::string what_fits(const QuantGraph& graph, const ModelSpec& spec, const MemoryBudget& b) {
  std::string uniform;
  for (const auto& u : fitting_uniform_policies(graph, b)) uniform += (uniform.empty() ? "" : ", ") + u.name.substr(8);
  std::string shrunk = "none";
  try {
    shrunk = largest_fitting_8bit_model(spec, shrunk_input_sizes(spec), b).to_string();
  } catch (const Error&) {
  }
  return "uniform: " + (uniform.empty() ? std::string("none") : uniform) + "; shrunk 8-bit: " + shrunk;
}

// --board: whose code every budget's FLASH counts, and the RAM a budget without one takes.
struct SweepBoard {
  std::string name;  // empty: no board, FLASH is the blob alone
  CodeTarget code;
  uint64_t ram = kNoRamBudget;
};

SweepBoard read_sweep_board(const po::variables_map& vm) {
  SweepBoard b;
  if (!vm.count("board")) {
    if (!vm["code"].defaulted()) throw UsageError("--code counts a board's code: give --board too");
    return b;
  }
  const Board board = find_board(vm["board"].as<std::string>());
  // A path: mpq search finds it again by that path.
  b.name = vm["board"].as<std::string>();
  b.ram = board.ram_budget();
  const std::string code = vm["code"].as<std::string>();
  // As mpq search --board: the default counts code where this mpq measured it.
  if (code == "none" || (vm["code"].defaulted() && !code_sizes_measured())) return b;
  try {
    b.code = {board.core, parse_optimization_level(code, "--code")};
    code_bytes(b.code, std::vector<std::string>{});  // a target that was measured
  } catch (const Error& e) {
    throw UsageError("--board " + board.name + ": " + e.what());
  }
  return b;
}

}  // namespace

int run_sweep(const std::vector<std::string>& args) {
  const po::options_description data = data_options(), threads = thread_options(), search = search_settings_options();
  po::options_description patch;
  patch.add_options()
      ("patch", po::value<std::string>()->default_value("none"),
       "RAM with a patch stage, passed on to every search (docs/search.md, \"Patch stage\"): none; auto (per policy, "
       "the stage and grid of least RAM within --patch-max-overhead); or LAST_OP:GRID. The default grid, the "
       "feasibility checks and what fits are planned with it too")
      ("patch-max-overhead", po::value<double>()->default_value(0.2),
       "with --patch auto: extra MACs allowed for the halo, as a fraction of the layer-by-layer MACs")
      ("patch-input", po::value<std::string>()->default_value("whole"),
       "with --patch auto or LAST_OP:GRID, passed on to every search: whole (the input image sits in the arena) or "
       "stream (the stage reads it window by window; RAM is the streamed arena)")
      ("inplace", po::value<std::string>()->default_value("none"),
       "depthwise: RAM with the in-place depthwise pairs that lower it, passed on to every search (a resumed "
       "budget's search refuses another setting); the default grid and the checks use it too. all: depthwise and "
       "pointwise pairs. none: separate buffers");
  po::options_description board;
  board.add_options()
      ("board", po::value<std::string>(),
       "board profile (data/boards): every budget's FLASH counts libmpq_fw's code for its core beside the blob, "
       "as mpq search --board B --flash F --ram R does (the default grid too); a budget without RAM "
       "(--weights-only) takes the board's")
      ("code", po::value<std::string>()->default_value("3"),
       "with --board: the code's -Dfw_optimization level (3, 2, s), or none (the blob alone)");
  po::options_description opts;
  opts.add(data).add(threads).add(search).add(patch).add(board);
  opts.add_options()
      ("checkpoint", po::value<std::string>()->default_value("runs/default/float.mpqc"), "float checkpoint")
      ("budgets", po::value<std::string>(),
       "comma-separated FLASH/RAM budgets, e.g. '96KiB/12KiB,128KiB/16KiB' (with --weights-only FLASH alone, "
       "e.g. '96KiB,128KiB'); default: a grid of 6 from the tightest feasible to 95 % of uniform 8 bits")
      ("out", po::value<std::string>()->default_value("runs/default/sweep"), "output folder: one search per budget in it")
      ("dry-run", "print the budgets and what fits at each, run nothing");
  po::variables_map vm;
  if (!parse(args, opts, vm,
             "mpq sweep [--checkpoint C] [--budgets 'F1/R1,F2/R2,...'] [--weights-only] [--patch none|auto] "
             "[--patch-input whole|stream] [--inplace none|depthwise|all] [--board B [--code 3|2|s|none]] [--out DIR]",
             "Runs mpq search with every baseline at each budget (into DIR/<budget>/; the search options\n"
             "below are passed on), then writes sweep.md, sweep.json and sweep.svg: test accuracy of the\n"
             "searched, rule-based, random, best fitting uniform, shrunk 8-bit and (weight-only) k-means\n"
             "policies against FLASH and RAM. Run the same command again to continue a killed sweep:\n"
             "finished budgets are reused, a killed one resumes."))
    return 0;
  apply_thread_options(vm);
  const std::string float_path = vm["checkpoint"].as<std::string>();
  const Checkpoint float_ckpt = load_checkpoint(float_path);
  if (float_ckpt.meta_or("kind", "float") != "float")
    throw Error(float_path + ": is a '" + float_ckpt.meta_or("kind", "") + "' checkpoint; the sweep starts from a float one");
  const bool weights_only = vm.count("weights-only") > 0;
  const std::string out = vm["out"].as<std::string>();
  Model model = build_model(float_ckpt.spec, 1);
  const QuantGraph graph = build_quant_graph(model);
  const PatchSetting patch_setting = read_patch_setting(vm);
  // A stage the model cannot run is refused before any budget, like mpq search does.
  (void)policy_memory(graph, uniform_policy(graph, 8, 8), patch_setting);
  const SweepBoard on_board = read_sweep_board(vm);

  std::vector<MemoryBudget> budgets;
  std::string grid_note;
  if (vm.count("budgets")) {
    try {
      budgets = parse_sweep_budgets(vm["budgets"].as<std::string>(), weights_only);
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    for (MemoryBudget& b : budgets) {
      b.patch = patch_setting;
      b.code = on_board.code;
    }
  } else {
    const SweepGrid grid = default_sweep_grid(float_ckpt.spec, weights_only, 6, patch_setting, on_board.code);
    budgets = grid.budgets;
    grid_note = "default grid: " + grid.note;
  }
  if (!on_board.name.empty())
    for (MemoryBudget& b : budgets) {
      if (b.ram == kNoRamBudget) b.ram = on_board.ram;  // what mpq search --board enforces
      b.source = budget_text(b);
      if (b.code.counted()) b.source += " (code " + b.code.text() + ")";
    }
  // Every budget is checked before hours go into the first ones.
  for (const auto& b : budgets) {
    try {
      check_budget_feasible(graph, b);
    } catch (const Error& e) {
      throw UsageError(std::string("--budgets: ") + e.what());
    }
  }
  const size_t n = budgets.size();
  const std::string board_counts =
      on_board.code.counted() ? "the blob and code (" + on_board.code.text() + ")" : "the blob alone (--code none)";
  std::printf("sweep%s of %s over %zu budgets into %s%s%s%s\n", weights_only ? " (weight-only)" : "",
              float_ckpt.spec.to_string().c_str(), n, out.c_str(),
              on_board.name.empty() ? "" : (", on " + on_board.name + ": FLASH counts " + board_counts).c_str(),
              patch_text(patch_setting).empty() ? "" : (", RAM" + patch_text(patch_setting)).c_str(),
              grid_note.empty() ? "" : ("; " + grid_note).c_str());
  for (size_t i = 0; i < n; ++i)
    std::printf("  budget %zu/%zu: FLASH %s, RAM %s -> %s/  (%s)\n", i + 1, n, format_bytes(budgets[i].flash).c_str(),
                ram_budget_text(budgets[i]).c_str(), budget_folder_name(budgets[i]).c_str(),
                what_fits(graph, float_ckpt.spec, budgets[i]).c_str());
  std::fflush(stdout);
  if (vm.count("dry-run")) return 0;

  const std::vector<std::string> settings = passed_on(vm, {data, threads, search, patch});
  Timer sweep_timer;
  double ran_seconds = 0;
  size_t ran = 0;
  for (size_t i = 0; i < n; ++i) {
    const MemoryBudget& b = budgets[i];
    const std::string dir = out + "/" + budget_folder_name(b);
    const bool finished_before = file_exists(dir + "/report.json");
    std::printf("\n== budget %zu/%zu: FLASH %s, RAM %s: %s%s ==\n", i + 1, n, format_bytes(b.flash).c_str(),
                ram_budget_text(b).c_str(), dir.c_str(),
                finished_before ? " (finished before: resumed, which reuses its results)" : "");
    std::fflush(stdout);
    std::vector<std::string> search_args = settings;
    const std::string text = budget_text(b);  // "F/R": exact, and what the search's report names
    search_args.insert(search_args.end(), {"--checkpoint", float_path, "--flash", text.substr(0, text.find('/')),
                                           "--out", dir, "--resume", "--shrunk-dir", out + "/shrunk"});
    if (b.ram != kNoRamBudget) search_args.insert(search_args.end(), {"--ram", text.substr(text.find('/') + 1)});
    if (!on_board.name.empty())
      search_args.insert(search_args.end(),
                         {"--board", on_board.name, "--code", on_board.code.counted() ? on_board.code.optimization : "none"});
    Timer timer;
    try {
      run_search(search_args);
    } catch (const SearchSettingsMismatch&) {
      throw Error(dir + " holds a search with other settings (other search options or an older libmpq): remove it, "
                        "or pass --out DIR for a fresh sweep");
    }
    if (!finished_before) {
      ran_seconds += timer.seconds();
      ++ran;
    }
    const size_t left = n - i - 1;
    std::printf("== budget %zu/%zu done; sweep: %s so far%s ==\n", i + 1, n,
                format_duration(sweep_timer.seconds()).c_str(),
                left && ran ? (", about " + format_duration(ran_seconds / static_cast<double>(ran) *
                                                            static_cast<double>(left)) +
                               " left")
                                  .c_str()
                            : "");
    std::fflush(stdout);
  }

  if (!dist::is_root()) return 0;  // rank 0 alone writes, after its last search's report
  std::vector<SweepEntry> entries;
  for (const auto& b : budgets) {
    const std::string folder = budget_folder_name(b), path = out + "/" + folder + "/report.json";
    entries.push_back(read_sweep_entry(b, folder, read_file(path), path));
  }
  write_file_atomically(out + "/sweep.md", sweep_markdown(entries, weights_only));
  write_file_atomically(out + "/sweep.json", sweep_json(entries, weights_only));
  write_file_atomically(out + "/sweep.svg", sweep_svg(entries, weights_only));
  std::printf("\n%s\nwrote %s/{sweep.md,sweep.json,sweep.svg}\n", sweep_markdown(entries, weights_only).c_str(),
              out.c_str());
  return 0;
}

}  // namespace mpq::cli
