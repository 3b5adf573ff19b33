// Shared runtime test helpers: valid blobs with random-but-valid quantization parameters
// for any graph and policy, CRC-preserving edits of their records, and load/run wrappers.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <vector>

#include "libmpq/mcu/blob_records.hpp"
#include "libmpq/quant/policy.hpp"
#include "libmpq/quant/quant_graph.hpp"
#include "libmpq/runtime/runtime.hpp"

// Boost.Test prints statuses by name.
namespace mpq::rt {
inline std::ostream& operator<<(std::ostream& os, Status s) { return os << status_name(s); }
}  // namespace mpq::rt
namespace mpq::kernels {
inline std::ostream& operator<<(std::ostream& os, Status s) { return os << status_name(s); }
}  // namespace mpq::kernels

namespace mpq::test {

// blob_skeleton(blob_layout(op_records(graph, policy))) filled like an exporter would: random
// monotone input tables, symmetric random weights packed with pack_signed_rows, random biases
// folded with fold_input_zero_point*, per-channel multipliers from quantize_multiplier
// scaled so that outputs spread over their codes, adds from quantize_residual_add, global
// pools averaging exactly, window pools on their input's grid; zero points chained from producer to consumer (0 after ReLU), ReLU
// clamps sometimes narrowed like PACT; CRC set. Deterministic in `seed`.
// With `patch` present the blob runs that patch stage; the same seed gives the same weights
// and parameters with or without one, and with or without in-place depthwise pairs
// (`inplace`: the pairs plan_model_arena picks among `kinds`, flagged in their records).
std::vector<uint8_t> random_valid_blob(const QuantGraph& graph, const Policy& policy, uint64_t seed,
                                       rt::PatchStage patch = {}, InplaceDepthwise inplace = InplaceDepthwise::off,
                                       InplaceKinds kinds = InplaceKinds::depthwise);

// A raw 8-bit HWC image of the graph's input shape: random brightness and contrast.
std::vector<uint8_t> random_image(const QuantGraph& graph, uint64_t seed);

// Decode, edit, re-encode one record and recompute the CRC, so that the edit reaches the
// checks behind the checksum.
void edit_header(std::vector<uint8_t>& blob, const std::function<void(BlobHeader&)>& edit);
void edit_op(std::vector<uint8_t>& blob, size_t op, const std::function<void(OpRecord&)>& edit);
void edit_buffer(std::vector<uint8_t>& blob, size_t buffer, const std::function<void(rt::ArenaBuffer&)>& edit);

// load_model with scratch of exactly load_scratch_bytes (taken from the header).
struct LoadResult {
  rt::Status status = rt::Status::bad_argument;
  rt::LoadError error;
  rt::ModelView model;
};
LoadResult load(const std::vector<uint8_t>& blob);
// The same without load_model's refusal of a patch stage that costs RAM
// (patch_stage_costs_ram): the bit-exactness tests run every stage length and grid, and on
// small graphs most of them cost RAM.
LoadResult load_any_stage(const std::vector<uint8_t>& blob);

// run_model in a fresh arena of exactly arena_bytes, filled with `garbage` first; returns
// the unpacked output codes (empty and a failed BOOST_CHECK on any status but ok).
std::vector<int32_t> run(const rt::ModelView& model, const std::vector<uint8_t>& image, rt::KernelVariant variant,
                         uint8_t garbage = 0xA5);

// Uniform policies of the graph plus one mixed policy (bits cycling through 8, 4, 2 with
// weights and activations out of phase), with a label for messages.
struct NamedPolicy {
  const char* label;
  Policy policy;
};
std::vector<NamedPolicy> test_policies(const QuantGraph& graph);

}  // namespace mpq::test
