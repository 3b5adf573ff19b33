#pragma once

#include "libmpq/nn/model.hpp"

namespace mpq {

// Builds the graph named by spec.arch with fresh parameters drawn from `seed`.
// Node names follow torchvision's state_dict for mobilenet_v2 and mnasnet (so that
// imported weights map one to one) and a documented scheme for mobilenet_v1
// (docs/models.md). Throws Error on an unknown architecture or a bad size.
Model build_model(const ModelSpec& spec, uint64_t seed = 1);

Model build_mobilenet_v1(const ModelSpec& spec);
Model build_mobilenet_v2(const ModelSpec& spec);
Model build_mnasnet(const ModelSpec& spec);

}  // namespace mpq
