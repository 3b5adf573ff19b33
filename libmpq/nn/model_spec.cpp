#include "libmpq/nn/model_spec.hpp"

#include <cstdio>
#include <cstring>

#include "libmpq/core/error.hpp"

namespace mpq {

namespace {
const char* const kArchNames[] = {"mobilenet_v1", "mobilenet_v2", "mnasnet", nullptr};
}

std::string ModelSpec::to_string() const {
  char buf[160];
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

void parse_input_shape(const std::string& text, ModelSpec& spec) {
  long long c = 0, h = 0, w = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%lldx%lldx%lld%c", &c, &h, &w, &tail) != 3 || c < 1 || h < 1 || w < 1 ||
      c > 4096 || h > 8192 || w > 8192)
    throw Error("input shape '" + text + "': expected CxHxW with positive sizes, e.g. 3x224x224");
  spec.in_channels = c;
  spec.in_height = h;
  spec.in_width = w;
}

void set_default_stem(ModelSpec& spec) { spec.small_input = spec.in_height < 100 || spec.in_width < 100; }

}  // namespace mpq
