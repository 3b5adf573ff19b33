// policy_from_json (libmpq/quant, the policy files `mpq search` writes and `mpq finetune`,
// `mpq memory` and `mpq export` read) on arbitrary text. A policy that parses must print
// (policy_to_json) to text that parses back to the same policy, and checking it against a
// model's graph, then its memory, either works or throws mpq::Error.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/quant/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mpq::Model model = mpq::build_model(mpq::ModelSpec{}, 1);
  static const mpq::QuantGraph graph = mpq::build_quant_graph(model);
  const std::string text(reinterpret_cast<const char*>(data), size);
  mpq::Policy policy;
  try {
    policy = mpq::policy_from_json(text, "fuzz.json");
  } catch (const mpq::Error&) {
    return 0;
  }
  const std::string printed = mpq::policy_to_json(policy);
  try {
    if (!(mpq::policy_from_json(printed, "printed") == policy))
      mpq::fuzz::fail("policy_from_json: a printed policy parses to another policy");
  } catch (const mpq::Error& e) {
    mpq::fuzz::fail(std::string("policy_from_json: a printed policy does not parse: ") + e.what());
  }
  try {
    mpq::validate_policy(policy, graph, "fuzz.json");
    (void)mpq::memory_report(mpq::op_records(graph, policy));
  } catch (const mpq::Error&) {
  }
  return 0;
}
