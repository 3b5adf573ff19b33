// Runs a loaded model's patch stage (patch_stage.hpp) tile by tile, in place of its ops'
// layer-by-layer steps: run_model calls it at the stage's first op.
#pragma once

#include <cstdint>

#include "libmpq/runtime/model_view.hpp"
#include "libmpq/runtime/status.hpp"

namespace mpq::rt::detail {

// Requires: model.patch present and validated by load_model; `arena` the run's arena with
// the stage input already written. Ensures on ok: the stage's last op's whole output is
// in its buffer, bit for bit what the ops would have computed layer by layer. Otherwise
// run_op's statuses.
Status run_patch_stage(const ModelView& model, uint8_t* arena, bool reference);

}  // namespace mpq::rt::detail
