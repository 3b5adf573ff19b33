// Runs a loaded model's patch stage (patch_stage.hpp) tile by tile, in place of its ops'
// layer-by-layer steps: run_model calls it at the stage's first op.
#pragma once

#include <cstdint>

#include "libmpq/runtime/input_stream.hpp"
#include "libmpq/runtime/model_view.hpp"
#include "libmpq/runtime/status.hpp"

namespace mpq::rt::detail {

// Requires: model.patch present and validated by load_model; `arena` the run's arena with
// the stage input already written, or for a streamed input (model.patch.stream_input)
// `input` non-null: each tile's window of raw pixels is read from it and encoded in place
// in the window buffer. Ensures on ok: the stage's last op's whole output is in its
// buffer, bit for bit what the ops would have computed layer by layer. Otherwise run_op's
// statuses, or input_read_failed.
Status run_patch_stage(const ModelView& model, uint8_t* arena, bool reference, const InputStream* input = nullptr);

}  // namespace mpq::rt::detail
