#include "libmpq/nn/layer.hpp"

namespace mpq {

const char* layer_kind_name(LayerKind kind) {
  static const char* const names[] = {"conv", "batchnorm", "relu", "avgpool", "maxpool",
                                      "gavgpool", "linear", "add", "fakequant"};
  static_assert(sizeof(names) / sizeof(names[0]) == kLayerKindCount, "one name per LayerKind");
  int i = static_cast<int>(kind);
  return (i >= 0 && i < kLayerKindCount) ? names[i] : "?";
}

}  // namespace mpq
