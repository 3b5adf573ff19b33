#include "libmpq/mcu/patch_plan.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/mcu/plan_model_arena.hpp"

namespace mpq {

namespace {

// MACs of one output pixel of a conv or depthwise op.
int64_t macs_per_pixel(const rt::OpRecord& op) {
  const rt::RecordWindow window = rt::record_window(op);
  const int64_t taps = static_cast<int64_t>(window.kernel_h) * window.kernel_w;
  return op.kind == blob::op_kind::depthwise ? taps * op.out_c : taps * op.in_c * op.out_c;
}

constexpr int kMaxAutoGrid = 8;

}  // namespace

int64_t op_macs(const rt::OpRecord& op) {
  switch (op.kind) {
    case blob::op_kind::conv:
    case blob::op_kind::depthwise: return macs_per_pixel(op) * op.out_h * op.out_w;
    case blob::op_kind::fc: return static_cast<int64_t>(op.in_c) * op.out_c;
    default: return 0;
  }
}

int64_t model_macs(const std::vector<rt::OpRecord>& records) {
  int64_t total = 0;
  for (const rt::OpRecord& op : records) total += op_macs(op);
  return total;
}

int64_t patched_macs(const std::vector<rt::OpRecord>& records, rt::PatchStage patch) {
  if (!patch.present()) return model_macs(records);
  int64_t total = 0;
  for (size_t i = 0; i < records.size(); ++i)
    if (i < patch.first_op || i >= patch.end_op()) total += op_macs(records[i]);
  const std::vector<uint8_t> bytes = encoded_records(records);
  const auto windows = std::make_unique<rt::TileWindows>();
  for (int32_t ty = 0; ty < patch.grid; ++ty) {
    for (int32_t tx = 0; tx < patch.grid; ++tx) {
      rt::patch_tile_windows(bytes.data(), patch, ty, tx, windows.get());
      for (uint32_t k = 0; k < patch.op_count; ++k) {
        const rt::OpRecord& op = records[patch.first_op + k];
        if (op.kind == blob::op_kind::add) continue;  // no MACs, as op_macs counts it
        total += macs_per_pixel(op) * windows->op[k].out_y.size() * windows->op[k].out_x.size();
      }
    }
  }
  return total;
}

rt::PatchStage patch_stage_through(const std::vector<rt::OpRecord>& records, size_t last_op, int grid) {
  require(last_op < records.size(), "--patch: op " + std::to_string(last_op) + " is past the model's " +
                                        std::to_string(records.size()) + " ops");
  require(last_op < rt::kMaxPatchOps, "--patch: a stage holds at most " + std::to_string(rt::kMaxPatchOps) +
                                          " ops, op " + std::to_string(last_op) + " ends a longer one");
  require(grid >= 1 && grid <= 255, "--patch: grid " + std::to_string(grid) + " is not in [1, 255]");
  const rt::PatchStage patch{0, static_cast<uint8_t>(last_op + 1), static_cast<uint8_t>(grid)};
  const std::vector<uint8_t> bytes = encoded_records(records);
  uint16_t bad_op = 0;
  if (rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), patch, &bad_op) != rt::Status::ok) {
    const rt::OpRecord& last = records[last_op];
    require(grid <= last.out_h && grid <= last.out_w,
            "--patch: grid " + std::to_string(grid) + " is larger than op " + std::to_string(last_op) + "'s " +
                std::to_string(last.out_h) + "x" + std::to_string(last.out_w) + " output");
    throw Error("--patch: op " + std::to_string(bad_op) +
                " breaks the stage: a stage holds conv, depthwise and add ops reading the stage input or earlier "
                "stage ops, and no op after it may read an output from inside it (a residual add's two branches "
                "are both inside or both outside)");
  }
  return patch;
}

PatchRequest parse_patch_request(const std::string& text, const std::vector<std::string>& names) {
  PatchRequest r;
  if (text == "none") return r;
  if (text == "auto") {
    r.automatic = true;
    return r;
  }
  const size_t colon = text.rfind(':');
  require(colon != std::string::npos && colon > 0 && colon + 1 < text.size(),
          "--patch: '" + text + "' is not none, auto or LAST_OP:GRID");
  const std::string op = text.substr(0, colon), grid = text.substr(colon + 1);
  char* end = nullptr;
  const long n = std::strtol(grid.c_str(), &end, 10);
  require(*end == '\0' && n >= 1 && n <= 255, "--patch: grid '" + grid + "' is not an integer in [1, 255]");
  r.present = true;
  r.grid = static_cast<int>(n);
  bool named = false;
  for (size_t i = 0; i < names.size() && !named; ++i) {
    named = names[i] == op;
    if (named) r.last_op = i;
  }
  if (!named) {
    const long index = std::strtol(op.c_str(), &end, 10);
    require(*end == '\0' && index >= 0, "--patch: '" + op + "' is neither an op index nor an op name");
    r.last_op = static_cast<size_t>(index);
  }
  return r;
}

std::vector<PatchCandidate> patch_candidates(const std::vector<rt::OpRecord>& records, double max_overhead) {
  const int64_t macs = model_macs(records);
  const double mac_cap = static_cast<double>(macs) * (1.0 + max_overhead);
  const std::vector<uint8_t> bytes = encoded_records(records);
  std::vector<PatchCandidate> out;
  for (size_t last = 0; last < records.size() && last < rt::kMaxPatchOps; ++last) {
    for (int grid = 2; grid <= kMaxAutoGrid; ++grid) {
      const rt::PatchStage patch{0, static_cast<uint8_t>(last + 1), static_cast<uint8_t>(grid)};
      if (rt::check_patch_stage(bytes.data(), static_cast<uint16_t>(records.size()), patch, nullptr) != rt::Status::ok)
        continue;
      const int64_t patched = patched_macs(records, patch);
      if (static_cast<double>(patched) <= mac_cap) out.push_back({patch, patched});
    }
  }
  return out;
}

uint32_t arena_without_stage(const std::vector<rt::OpRecord>& records, InplaceKinds inplace) {
  const uint32_t plain = memory_report(records).ram_bytes;
  return inplace != InplaceKinds::none ? std::min(plain, memory_report(records, {}, inplace).ram_bytes) : plain;
}

rt::PatchStage best_patch_stage(const std::vector<rt::OpRecord>& records,
                                const std::vector<PatchCandidate>& candidates, InplaceKinds inplace) {
  rt::PatchStage best;
  uint32_t best_ram = arena_without_stage(records, inplace);
  int64_t best_macs = 0;
  for (const PatchCandidate& c : candidates) {
    uint32_t ram = 0;
    try {
      if (inplace != InplaceKinds::none) {
        // Choosing its pairs plans the arena about 2 x (eligible ops) times: not for a
        // stage that loses whichever pairs it gets.
        const uint32_t bound = inplace_arena_lower_bound(records, c.stage, inplace);
        if (bound > best_ram || (bound == best_ram && !(best.present() && c.macs < best_macs))) continue;
      }
      ram = memory_report(records, c.stage, inplace).ram_bytes;
    } catch (const Error&) {
      continue;  // a tile some kernel refuses at these bits: not a candidate
    }
    if (ram < best_ram || (ram == best_ram && best.present() && c.macs < best_macs)) {
      best = c.stage;
      best_ram = ram;
      best_macs = c.macs;
    }
  }
  return best;
}

std::string patch_request_text(rt::PatchStage stage) {
  if (!stage.present()) return "none";
  require(stage.first_op == 0, "patch stage: a stage from op " + std::to_string(stage.first_op) +
                                   " has no --patch text (stages start at op 0)");
  return std::to_string(stage.end_op() - 1u) + ":" + std::to_string(stage.grid);
}

bool parse_patch_input(const std::string& text) {
  require(text == "whole" || text == "stream", "--patch-input: '" + text + "' is neither whole nor stream");
  return text == "stream";
}

void check_patch_input(const std::string& patch, bool stream_input) {
  require(!stream_input || patch != "none",
          "--patch-input stream: the input is streamed by a patch stage from op 0, and --patch none has none; give "
          "--patch auto or LAST_OP:GRID");
}

InplaceKinds parse_inplace_option(const std::string& text) {
  require(text == "none" || text == "depthwise" || text == "all",
          "--inplace: '" + text + "' is none of none, depthwise and all");
  return text == "all" ? InplaceKinds::all : text == "depthwise" ? InplaceKinds::depthwise : InplaceKinds::none;
}

const char* inplace_option_word(InplaceKinds inplace) {
  return inplace == InplaceKinds::all ? "all" : inplace == InplaceKinds::depthwise ? "depthwise" : "none";
}

rt::PatchStage choose_patch_stage(const std::vector<rt::OpRecord>& records, double max_overhead, bool stream_input,
                                  InplaceKinds inplace) {
  std::vector<PatchCandidate> candidates = patch_candidates(records, max_overhead);
  // Every candidate starts at op 0; which one is best depends on whether the input is in
  // the arena, so the streamed ones are compared with each other.
  for (PatchCandidate& c : candidates) c.stage.stream_input = stream_input;
  return best_patch_stage(records, candidates, inplace);
}

rt::PatchStage resolve_patch(const std::vector<rt::OpRecord>& records, const std::vector<std::string>& names,
                             const std::string& text, double max_overhead, bool stream_input,
                             InplaceKinds inplace) {
  require(max_overhead >= 0.0, "--patch-max-overhead: " + std::to_string(max_overhead) + " is negative");
  const PatchRequest request = parse_patch_request(text, names);
  check_patch_input(text, stream_input);
  if (request.automatic) {
    const rt::PatchStage chosen = choose_patch_stage(records, max_overhead, stream_input, inplace);
    require(!stream_input || chosen.present(),
            "--patch-input stream: --patch auto found no stage from op 0 that lowers RAM within "
            "--patch-max-overhead " + std::to_string(max_overhead));
    return chosen;
  }
  if (!request.present) return {};
  rt::PatchStage patch = patch_stage_through(records, request.last_op, request.grid);
  patch.stream_input = stream_input;
  const uint32_t without = arena_without_stage(records, inplace);
  const uint32_t with = memory_report(records, patch, inplace).ram_bytes;
  const std::string name = request.last_op < names.size() ? " (" + names[request.last_op] + ")" : "";
  require(with <= without, "--patch: the stage through op " + std::to_string(request.last_op) + name + " on a " +
                               std::to_string(request.grid) + "x" + std::to_string(request.grid) + " grid needs " +
                               std::to_string(with) + " B of RAM, more than the " + std::to_string(without) +
                               " B without it");
  return patch;
}

}  // namespace mpq
