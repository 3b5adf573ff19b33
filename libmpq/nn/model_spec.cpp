#include "libmpq/nn/model_spec.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "libmpq/core/error.hpp"

namespace mpq {

namespace {
const char* const kArchNames[] = {"mobilenet_v1", "mobilenet_v2", "mnasnet", nullptr};
}

std::string ModelSpec::to_string() const {
  char buf[160];
  if (is_graph()) {
    std::snprintf(buf, sizeof buf, "%s %08x %lldx%lldx%lld c%lld", arch.c_str(), static_cast<unsigned>(graph_fingerprint),
                  static_cast<long long>(in_channels), static_cast<long long>(in_height),
                  static_cast<long long>(in_width), static_cast<long long>(classes));
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%s w%g %lldx%lldx%lld c%lld%s", arch.c_str(), static_cast<double>(width),
                static_cast<long long>(in_channels), static_cast<long long>(in_height),
                static_cast<long long>(in_width), static_cast<long long>(classes), small_input ? " small-input" : "");
  return buf;
}

const char* const* model_arch_names() { return kArchNames; }

bool is_known_arch(const std::string& arch) {
  for (const char* const* n = kArchNames; *n; ++n)
    if (arch == *n) return true;
  return false;
}

namespace {
// Empty when c x h x w is within the bounds, else what is wrong with it.
std::string input_shape_problem(long long c, long long h, long long w) {
  if (c < 1 || h < 1 || w < 1 || c > kMaxInputChannels || h > kMaxInputSide || w > kMaxInputSide)
    return "expected positive sizes, C at most " + std::to_string(kMaxInputChannels) + ", H and W at most " +
           std::to_string(kMaxInputSide);
  if (c * h * w > kMaxInputElements)
    return std::to_string(c * h * w) + " values per image, at most " + std::to_string(kMaxInputElements);
  return "";
}
}  // namespace

void parse_input_shape(const std::string& text, ModelSpec& spec) {
  long long c = 0, h = 0, w = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%lldx%lldx%lld%c", &c, &h, &w, &tail) != 3)
    throw Error("input shape '" + text + "': expected CxHxW, e.g. 3x224x224");
  const std::string problem = input_shape_problem(c, h, w);
  if (!problem.empty()) throw Error("input shape '" + text + "': " + problem);
  spec.in_channels = c;
  spec.in_height = h;
  spec.in_width = w;
}

void validate_model_spec(const ModelSpec& spec, const std::string& what) {
  if (!(std::isfinite(spec.width) && spec.width > 0.f && spec.width <= 4.f))
    throw Error(what + ": model width " + std::to_string(spec.width) + ", expected (0, 4]");
  const std::string problem = input_shape_problem(spec.in_channels, spec.in_height, spec.in_width);
  if (!problem.empty())
    throw Error(what + ": model input " + std::to_string(spec.in_channels) + "x" + std::to_string(spec.in_height) +
                "x" + std::to_string(spec.in_width) + ": " + problem);
  // A stored graph need not end in class scores (classes 0: any output, e.g. an ONNX
  // node test); training and evaluation refuse it (require_class_output).
  if (spec.is_graph() && spec.classes == 0) return;
  if (spec.classes < 2 || spec.classes > kMaxClasses)
    throw Error(what + ": model classes " + std::to_string(spec.classes) + ", expected 2.." +
                std::to_string(kMaxClasses));
}

void require_class_output(const ModelSpec& spec, const std::string& what) {
  if (spec.classes == 0)
    throw Error(what + ": model " + spec.to_string() +
                " has no class output (its graph does not end in [N, classes] scores); training, evaluation and "
                "quantization need one (import and run accept it)");
}

void set_default_stem(ModelSpec& spec) { spec.small_input = spec.in_height < 100 || spec.in_width < 100; }

}  // namespace mpq
