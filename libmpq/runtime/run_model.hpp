// Runs a model that load_model() validated: the raw image through the blob's input
// tables into buffer 0 (or, for a blob that streams its input, each patch-stage tile's
// window from the caller's reader into the window buffer), then every op in order on its
// kernel, all inside one caller-owned arena. No checks beyond the arguments, no heap, no
// globals.
#pragma once

#include <cstdint>

#include "libmpq/runtime/input_stream.hpp"
#include "libmpq/runtime/model_view.hpp"
#include "libmpq/runtime/status.hpp"

namespace mpq::rt {

// Which kernel of each family runs: the fast ones (what the device uses) or the plain
// reference loops (for testing; they need no scratch, so the same arena serves).
enum class KernelVariant : uint8_t { fast, reference };

// Requires: `model` from a successful load_model, its blob unchanged. `image`: input_h x
// input_w x input_c raw 8-bit pixels, HWC. `arena`: model.arena_bytes bytes (more are
// fine), starting on a multiple of model.arena_alignment.
// Ensures on ok: the output codes (model.classes values of model.output_bits, packed as
// docs/blob-format.md says) are at arena + model.output_offset; unpack_output reads them.
// Status: bad_argument (null pointer), misaligned_arena, arena_too_small, kernel_failed
// (a kernel refused: impossible for a loaded, unchanged blob), kernel_not_linked (a
// reference run whose table has no reference function for a variant the model uses),
// input_mode_mismatch (the blob streams its input: model.patch.stream_input).
Status run_model(const ModelView& model, const uint8_t* image, void* arena, uint32_t arena_bytes,
                 KernelVariant variant = KernelVariant::fast);

// The same for a blob that streams its input (model.patch.stream_input; else
// input_mode_mismatch): its patch stage asks `input.read` for each tile's window of raw
// pixels, in place of `image`; bit for bit the run of the same image through the same
// blob exported without streaming. input_read_failed when the reader returns non-zero;
// bad_argument when input.read is null.
Status run_model(const ModelView& model, InputStream input, void* arena, uint32_t arena_bytes,
                 KernelVariant variant = KernelVariant::fast);

}  // namespace mpq::rt
