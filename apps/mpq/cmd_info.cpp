// mpq info: per-layer shapes, parameters and MACs of a model.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "libmpq/nn/model_builders.hpp"

namespace mpq::cli {

int run_info(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(model_options(ModelSpec{}));
  opts.add_options()("json", "print JSON instead of a table");
  po::variables_map vm;
  if (!parse(args, opts, vm, "mpq info [--model NAME] [--width W] [--input CxHxW] [--classes N] [--json]",
             "Prints every layer of a model: kind, configuration, shapes (per image, HxWxC),\n"
             "trainable parameters, multiply-accumulates, input and output elements; then totals."))
    return 0;
  const ModelSpec spec = read_model_options(vm);
  Model model = build_model(spec);
  const auto shapes = model.node_shapes(1);

  nlohmann::json layers = nlohmann::json::array();
  int64_t total_params = 0, total_macs = 0;
  for (size_t i = 0; i < model.size(); ++i) {
    const Node& node = model.node(i);
    auto in = model.node_input_shapes(static_cast<int>(i), shapes);
    int64_t params = 0;
    for (Parameter* p : node.layer->parameters()) params += p->value.size();
    int64_t macs = node.layer->macs(in);
    int64_t in_elems = 0;
    for (auto& s : in) in_elems += shape_elements(s);
    total_params += params;
    total_macs += macs;
    auto strip = [](Shape s) { s.erase(s.begin()); return shape_to_string(s); };
    std::string in_text;
    for (auto& s : in) in_text += (in_text.empty() ? "" : "+") + strip(s);
    layers.push_back({{"name", node.name},
                      {"kind", layer_kind_name(node.layer->kind())},
                      {"config", node.layer->describe()},
                      {"input", in_text},
                      {"output", strip(shapes[i])},
                      {"params", params},
                      {"macs", macs},
                      {"input_elements", in_elems},
                      {"output_elements", shape_elements(shapes[i])}});
  }
  if (vm.count("json")) {
    nlohmann::json out = {{"model", spec.to_string()}, {"params", total_params}, {"macs", total_macs},
                          {"layers", layers}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%s\n", spec.to_string().c_str());
  std::printf("%-28s %-9s %-22s %-16s %-12s %10s %12s %10s %10s\n", "layer", "kind", "config", "input", "output",
              "params", "MACs", "in elems", "out elems");
  for (const auto& l : layers)
    std::printf("%-28s %-9s %-22s %-16s %-12s %10lld %12lld %10lld %10lld\n", l["name"].get<std::string>().c_str(),
                l["kind"].get<std::string>().c_str(), l["config"].get<std::string>().c_str(),
                l["input"].get<std::string>().c_str(), l["output"].get<std::string>().c_str(),
                l["params"].get<long long>(), l["macs"].get<long long>(), l["input_elements"].get<long long>(),
                l["output_elements"].get<long long>());
  std::printf("total: %lld parameters (%.3f M), %lld MACs (%.2f M) per image\n", static_cast<long long>(total_params),
              total_params / 1e6, static_cast<long long>(total_macs), total_macs / 1e6);
  return 0;
}

}  // namespace mpq::cli
