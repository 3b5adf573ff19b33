// A C++ program built against an installed libmpq (pkg-config libmpq): the memory model
// of the default model at uniform 4 bits, through libmpq (nn, quant, mcu) and libmpq_fw
// (the arena planner), must give docs/porting.md's FLASH and RAM figures.
#include <cstdio>

#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/quant/policy.hpp"
#include "libmpq/quant/quant_graph.hpp"

int main() {
  const mpq::QuantGraph graph = mpq::build_quant_graph(mpq::build_model(mpq::ModelSpec{}));
  const mpq::MemoryReport report = mpq::memory_report(mpq::op_records(graph, mpq::uniform_policy(graph, 4, 4)));
  std::printf("libmpq consumer: FLASH %u B, RAM %u B\n", report.flash_bytes, report.ram_bytes);
  return report.flash_bytes == 141796 && report.ram_bytes == 12360 ? 0 : 1;
}
