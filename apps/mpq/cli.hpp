// mpq: the host command-line tool. One file per subcommand; this header holds what they
// share: option groups, the usage-error type, and JSON/figure printing.
#pragma once

#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/variables_map.hpp>

#include "libmpq/core/error.hpp"
#include "libmpq/core/stage_times.hpp"
#include "libmpq/nn/model_spec.hpp"

namespace mpq::cli {

namespace po = boost::program_options;

// A wrong flag or value: exit code 2 instead of 1.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message) {}
};

using Command = int (*)(const std::vector<std::string>& args);

// Parses `args` against `options` (adds --help); returns false after printing help.
// Throws UsageError on unknown or malformed options. With `positional`, bare arguments
// fill the options it names and any beyond them are a usage error.
bool parse(const std::vector<std::string>& args, const po::options_description& options, po::variables_map& vm,
           const std::string& usage, const std::string& summary,
           const po::positional_options_description* positional = nullptr);

// Throws UsageError when a string option's value starts with '-' ("--out --help" would
// otherwise train into a file named "--help"); parse() calls it.
void reject_option_like_values(const po::variables_map& vm);

// --model --width --input --classes --stem; applied by read_model_options.
po::options_description model_options(const ModelSpec& defaults);
ModelSpec read_model_options(const po::variables_map& vm);

// A byte size given to --<name> ("2MB", "512KiB", ...), or `fallback` when the option is
// absent; a malformed size is a UsageError naming the flag.
uint64_t size_option(const po::variables_map& vm, const char* name, const std::string& fallback = "");

// mpq search's settings that mpq sweep passes on to every budget's search (the agent,
// evaluation, comparison and baseline options; not the budget, folder or checkpoint).
po::options_description search_settings_options();

// --threads (applied to the process).
po::options_description thread_options();
void apply_thread_options(const po::variables_map& vm);

// Commands.
int run_info(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_finetune(const std::vector<std::string>& args);
int run_export(const std::vector<std::string>& args);
int run_run(const std::vector<std::string>& args);
int run_search(const std::vector<std::string>& args);
// The same, handing the stages of its run (search phases and comparison) to the caller.
int run_search(const std::vector<std::string>& args, std::vector<StageTime>* stages);
int run_sweep(const std::vector<std::string>& args);
int run_memory(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_demo(const std::vector<std::string>& args);
int run_import(const std::vector<std::string>& args);
int run_export_weights(const std::vector<std::string>& args);

}  // namespace mpq::cli
