#include "cli.hpp"

#include <cctype>
#include <iostream>

#include <boost/program_options/parsers.hpp>

#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "libmpq/tensor/parallel.hpp"

namespace mpq::cli {

void reject_option_like_values(const po::variables_map& vm) {
  auto check = [](const std::string& name, const std::string& value) {
    if (value.size() > 1 && value[0] == '-' && !(std::isdigit(static_cast<unsigned char>(value[1])) || value[1] == '.'))
      throw UsageError("--" + name + " '" + value + "': looks like an option, not a value (write ./" + value +
                       " for a file of that name)");
  };
  for (const auto& entry : vm) {
    const boost::any& value = entry.second.value();
    if (const auto* text = boost::any_cast<std::string>(&value)) check(entry.first, *text);
    if (const auto* texts = boost::any_cast<std::vector<std::string>>(&value))
      for (const std::string& t : *texts) check(entry.first, t);
  }
}

bool parse(const std::vector<std::string>& args, const po::options_description& options, po::variables_map& vm,
           const std::string& usage, const std::string& summary, const po::positional_options_description* positional) {
  po::options_description all("Options");
  all.add_options()("help,h", "show this help");
  all.add(options);
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n\n" << summary << "\n\n" << all << "\n";
      return false;
    }
    po::notify(vm);
    reject_option_like_values(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (see '" + usage.substr(0, usage.find(' ', 4)) + " --help')");
  }
  return true;
}

po::options_description model_options(const ModelSpec& d) {
  po::options_description o("Model");
  o.add_options()
      ("model", po::value<std::string>()->default_value(d.arch),
       "architecture: mobilenet_v1, mobilenet_v2, mnasnet, or a checkpoint (.mpqc) whose model to use, e.g. one "
       "written by 'mpq import --onnx' (its graph, input and classes; the other Model options are then ignored)")
      ("width", po::value<float>()->default_value(d.width), "width multiplier")
      ("input", po::value<std::string>()->default_value(std::to_string(d.in_channels) + "x" +
                                                         std::to_string(d.in_height) + "x" + std::to_string(d.in_width)),
       "input shape CxHxW")
      ("classes", po::value<int64_t>()->default_value(d.classes), "number of classes")
      ("stem", po::value<std::string>()->default_value("auto"),
       "stem stride: 'auto' (small-input stride 1 below 100 px), 'small' or 'imagenet'");
  return o;
}

ModelSpec read_model_options(const po::variables_map& vm) {
  ModelSpec s;
  s.arch = vm["model"].as<std::string>();
  const std::string suffix = ".mpqc";
  if (s.arch.size() > suffix.size() && s.arch.compare(s.arch.size() - suffix.size(), suffix.size(), suffix) == 0)
    return load_checkpoint(s.arch).spec;  // an imported graph lives only in its checkpoint
  if (!is_known_arch(s.arch))
    throw UsageError("--model '" + s.arch + "': expected mobilenet_v1, mobilenet_v2, mnasnet or a .mpqc checkpoint");
  s.width = vm["width"].as<float>();
  if (!(s.width > 0.f && s.width <= 4.f)) throw UsageError("--width " + std::to_string(s.width) + ": expected (0, 4]");
  try {
    parse_input_shape(vm["input"].as<std::string>(), s);
  } catch (const Error& e) {
    throw UsageError(std::string("--input: ") + e.what());
  }
  s.classes = vm["classes"].as<int64_t>();
  if (s.classes < 2 || s.classes > kMaxClasses)
    throw UsageError("--classes " + std::to_string(s.classes) + ": expected 2.." + std::to_string(kMaxClasses));
  const std::string stem = vm["stem"].as<std::string>();
  if (stem == "auto") set_default_stem(s);
  else if (stem == "small") s.small_input = true;
  else if (stem == "imagenet") s.small_input = false;
  else throw UsageError("--stem '" + stem + "': expected auto, small or imagenet");
  return s;
}

uint64_t size_option(const po::variables_map& vm, const char* name, const std::string& fallback) {
  const std::string text = vm.count(name) ? vm[name].as<std::string>() : fallback;
  try {
    return parse_byte_size(text, std::string("--") + name);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

po::options_description thread_options() {
  po::options_description o("Execution");
  o.add_options()("threads", po::value<int>()->default_value(0), "worker threads (0 = all cores)");
  return o;
}

void apply_thread_options(const po::variables_map& vm) {
  int t = vm["threads"].as<int>();
  if (t < 0) throw UsageError("--threads " + std::to_string(t) + ": expected 0 or more");
  set_thread_count(t);
}

}  // namespace mpq::cli
