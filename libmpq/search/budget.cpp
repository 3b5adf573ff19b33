#include "libmpq/search/budget.hpp"

#include "libmpq/core/error.hpp"
#include "libmpq/mcu/byte_size.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/quant/op_records.hpp"

namespace mpq {

namespace {

int lower(int bits) { return bits == 8 ? 4 : 2; }

// Decision index whose a_bits set op `op_index`'s output bits, or -1 (network input,
// logits, or a pooling op, which keeps its input's bits: then its producer's).
int activation_decision(const QuantGraph& g, int op_index) {
  while (op_index >= 0) {
    const QOp& op = g.ops[static_cast<size_t>(op_index)];
    if (!op.keeps_input_grid()) {
      if (op_index == static_cast<int>(g.ops.size()) - 1) return -1;  // logits
      return op.decision;
    }
    op_index = op.inputs[0];
  }
  return -1;
}

// The stages `setting` lets a policy of `graph` use: they depend on the graph's shapes,
// not on bits, so they are found once (on uniform 8-bit records) and tried per policy.
std::vector<PatchCandidate> stage_candidates(const QuantGraph& graph, const PatchSetting& setting) {
  check_patch_input(setting.request, setting.stream_input);
  if (!setting.enabled()) return {};
  require(setting.max_overhead >= 0.0,
          "--patch-max-overhead: " + std::to_string(setting.max_overhead) + " is negative");
  const std::vector<rt::OpRecord> records = op_records(graph, op_bits(graph, uniform_policy(graph, 8, 8)));
  std::vector<std::string> names;
  for (const QOp& op : graph.ops) names.push_back(op.name);
  const PatchRequest request = parse_patch_request(setting.request, names);
  std::vector<PatchCandidate> stages;
  if (request.automatic) {
    stages = patch_candidates(records, setting.max_overhead);
  } else {
    const rt::PatchStage stage = patch_stage_through(records, request.last_op, request.grid);
    stages = {{stage, patched_macs(records, stage)}};
  }
  // Every candidate starts at op 0, so each can stream the input (choose_patch_stage too).
  for (PatchCandidate& c : stages) c.stage.stream_input = setting.stream_input;
  return stages;
}

// The memory of `policy` with no stage when its layer-by-layer arena fits `ram`, else with
// the stage of least RAM among `stages` (policy_memory's overload with a RAM budget).
// With `inplace` every arena has the in-place pairs of those kinds that lower it.
MemoryReport memory_among(const QuantGraph& graph, const Policy& policy, const std::vector<PatchCandidate>& stages,
                          InplaceKinds inplace, const CodeTarget& code, uint64_t ram) {
  const std::vector<rt::OpRecord> records = op_records(graph, op_bits(graph, policy));
  MemoryReport r = memory_report(records, {}, inplace);
  if (!stages.empty() && r.ram_bytes > ram) {
    const rt::PatchStage stage = best_patch_stage(records, stages, inplace);
    if (stage.present()) r = memory_report(records, stage, inplace);
  }
  count_code(r, records, code);
  return r;
}

// enforce_budget's two loops with the patch stages `stages` (none: layer by layer).
MemoryReport lower_until_fits(const QuantGraph& graph, Policy& policy, const MemoryBudget& budget,
                              const std::vector<PatchCandidate>& stages) {
  auto policy_memory = [&](const QuantGraph& g, const Policy& p) {
    return memory_among(g, p, stages, budget.patch.inplace, budget.code, budget.ram);
  };
  MemoryReport r = policy_memory(graph, policy);
  while (!budget.weights_only && r.ram_bytes > budget.ram) {
    const int peak = r.peak_op;
    int best = -1;
    uint32_t best_bytes = 0;
    auto consider = [&](int op_index) {
      const int d = activation_decision(graph, op_index);
      if (d < 0 || policy.layers[static_cast<size_t>(d)].a_bits <= 2) return;
      const QOp& op = graph.ops[static_cast<size_t>(op_index)];
      const uint32_t bytes = static_cast<uint32_t>(op.out_h * op.out_w * op.out_c);
      if (best < 0 || bytes > best_bytes) {
        best = d;
        best_bytes = bytes;
      }
    };
    if (peak >= 0) {
      consider(peak);
      for (int in : graph.ops[static_cast<size_t>(peak)].inputs) consider(in);
    }
    if (best < 0) {
      // Nothing at the peak can shrink (e.g. only the 8-bit input and scratch): cut the
      // largest activation anywhere that still can.
      for (size_t i = 0; i < graph.ops.size(); ++i) consider(static_cast<int>(i));
    }
    if (best < 0) break;
    auto& a = policy.layers[static_cast<size_t>(best)].a_bits;
    a = lower(a);
    r = policy_memory(graph, policy);
  }
  while (r.flash_bytes > budget.flash && lower_largest_weights(graph, policy, r)) r = policy_memory(graph, policy);
  return r;
}

}  // namespace

bool fits(const MemoryReport& r, const MemoryBudget& b) { return r.flash_bytes <= b.flash && r.ram_bytes <= b.ram; }

MemoryReport policy_memory(const QuantGraph& graph, const Policy& policy) {
  return memory_report(op_records(graph, op_bits(graph, policy)));
}

MemoryReport policy_memory(const QuantGraph& graph, const Policy& policy, const PatchSetting& patch) {
  return memory_among(graph, policy, stage_candidates(graph, patch), patch.inplace, CodeTarget{}, 0);
}

MemoryReport policy_memory(const QuantGraph& graph, const Policy& policy, const PatchSetting& patch, uint64_t ram) {
  return memory_among(graph, policy, stage_candidates(graph, patch), patch.inplace, CodeTarget{}, ram);
}

MemoryReport budget_memory(const QuantGraph& graph, const Policy& policy, const MemoryBudget& budget) {
  return memory_among(graph, policy, stage_candidates(graph, budget.patch), budget.patch.inplace, budget.code,
                      budget.ram);
}

std::string ram_budget_text(const MemoryBudget& b) {
  return b.ram == kNoRamBudget ? "not enforced" : format_bytes(b.ram);
}

void check_budget_feasible(const QuantGraph& graph, const MemoryBudget& budget) {
  const std::vector<PatchCandidate> stages = stage_candidates(graph, budget.patch);
  auto policy_memory = [&](const QuantGraph& g, const Policy& p) {
    return memory_among(g, p, stages, budget.patch.inplace, budget.code, budget.ram);
  };
  if (budget.weights_only) {
    const MemoryReport least = policy_memory(graph, uniform_policy(graph, 2, 8));
    if (least.flash_bytes > budget.flash)
      throw Error("no weight-only policy fits " + budget.source + " (FLASH " + format_bytes(budget.flash) +
                  "): the smallest achievable is FLASH " + format_bytes(least.flash_bytes) + " (" +
                  std::to_string(least.flash_bytes) + " B), with 2-bit weights and 8-bit activations");
    for (int w : {8, 4, 2}) {
      const MemoryReport r = policy_memory(graph, uniform_policy(graph, w, 8));
      if (r.ram_bytes > budget.ram)
        throw Error("weight-only search under " + budget.source + ": activations stay 8-bit, and their arena needs " +
                    std::to_string(r.ram_bytes) + " B of RAM (uniform w" + std::to_string(w) + "a8) > the RAM budget " +
                    std::to_string(budget.ram) + " B; raise the RAM budget or leave it out (--flash alone)");
    }
    return;
  }
  const MemoryReport least = policy_memory(graph, uniform_policy(graph, 2, 2));
  if (!fits(least, budget))
    throw Error("no policy fits " + budget.source + " (FLASH " + format_bytes(budget.flash) + ", RAM " +
                format_bytes(budget.ram) + "): the smallest achievable is FLASH " + format_bytes(least.flash_bytes) +
                " (" + std::to_string(least.flash_bytes) + " B) and RAM " + format_bytes(least.ram_bytes) + " (" +
                std::to_string(least.ram_bytes) + " B), with 2-bit weights and activations" +
                (budget.patch.enabled() ? " and --patch " + budget.patch.request : std::string()) +
                (budget.patch.stream_input ? " --patch-input stream" : "") +
                (budget.patch.inplace != InplaceKinds::none ? std::string(" --inplace ") + inplace_option_word(budget.patch.inplace)
                                                            : std::string()));
}

bool lower_largest_weights(const QuantGraph& graph, Policy& policy, const MemoryReport& report) {
  int best = -1;
  uint32_t best_bytes = 0;
  for (size_t i = 0; i < report.ops.size(); ++i) {
    const QOp& op = graph.ops[i];
    if (!op.has_weights() || policy.layers[static_cast<size_t>(op.decision)].w_bits <= 2) continue;
    if (best < 0 || report.ops[i].weight_bytes > best_bytes) {
      best = op.decision;
      best_bytes = report.ops[i].weight_bytes;
    }
  }
  if (best < 0) return false;
  int& w = policy.layers[static_cast<size_t>(best)].w_bits;
  w = lower(w);
  return true;
}

MemoryReport enforce_budget(const QuantGraph& graph, Policy& policy, const MemoryBudget& budget) {
  const Policy given = policy;
  MemoryReport r = lower_until_fits(graph, policy, budget, stage_candidates(graph, budget.patch));
  if (!fits(r, budget) && r.patch.present()) {
    // The stage met the RAM budget, but its record does not fit in FLASH even with 2-bit
    // weights: cut activation bits instead until the arena fits layer by layer.
    Policy plain = given;
    const MemoryReport without = lower_until_fits(graph, plain, budget, {});
    if (fits(without, budget)) {
      policy = plain;
      r = without;
    }
  }
  if (!fits(r, budget)) {
    check_budget_feasible(graph, budget);  // throws with the minimum when impossible
    throw Error("budget enforcement could not fit " + budget.source + ": FLASH " + std::to_string(r.flash_bytes) +
                " B, RAM " + std::to_string(r.ram_bytes) + " B remain over budget" +
                (budget.weights_only ? " (weight-only: activations stay 8-bit)" : ""));
  }
  return r;
}

}  // namespace mpq
