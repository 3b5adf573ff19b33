#include "policy_options.hpp"

#include "libmpq/nn/model_builders.hpp"

namespace mpq::cli {

po::options_description policy_options() {
  po::options_description o("Policy");
  o.add_options()
      ("policy", po::value<std::string>(), "policy JSON: bits per weight and activation tensor")
      ("uniform", po::value<int>(), "every weight and activation tensor at N bits (2, 4 or 8)")
      ("uniform-w", po::value<int>(), "every weight tensor at W bits (with --uniform-a)")
      ("uniform-a", po::value<int>(), "every activation tensor at A bits (with --uniform-w)");
  return o;
}

bool has_policy_option(const po::variables_map& vm) {
  return vm.count("policy") || vm.count("uniform") || vm.count("uniform-w") || vm.count("uniform-a");
}

Policy read_policy_options(const po::variables_map& vm, const ModelSpec& spec) {
  const int given = static_cast<int>(vm.count("policy")) + static_cast<int>(vm.count("uniform")) +
                    static_cast<int>(vm.count("uniform-w") || vm.count("uniform-a"));
  if (given != 1) throw UsageError("give exactly one of --policy FILE, --uniform N, or --uniform-w W --uniform-a A");
  const QuantGraph graph = build_quant_graph(build_model(spec, 1));
  if (vm.count("policy")) {
    const std::string path = vm["policy"].as<std::string>();
    Policy p = load_policy(path);
    validate_policy(p, graph, path);
    return p;
  }
  int w, a;
  if (vm.count("uniform")) {
    w = a = vm["uniform"].as<int>();
  } else {
    if (!vm.count("uniform-w") || !vm.count("uniform-a")) throw UsageError("--uniform-w and --uniform-a go together");
    w = vm["uniform-w"].as<int>();
    a = vm["uniform-a"].as<int>();
  }
  if (!is_valid_bits(w) || !is_valid_bits(a))
    throw UsageError("uniform bits " + std::to_string(w) + "/" + std::to_string(a) + ": expected 2, 4 or 8");
  return uniform_policy(graph, w, a);
}

}  // namespace mpq::cli
