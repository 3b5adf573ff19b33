// mpq memory's budget: the board or --flash/--ram it is checked against, and the
// uniform-policy table of --fit.
#pragma once

#include <cstdint>
#include <string>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "libmpq/mcu/code_size.hpp"
#include "libmpq/quant/quant_graph.hpp"

namespace mpq::cli {

// The default board: the default model's uniform 8-bit policy does not fit it, 4-bit does.
inline constexpr const char* kDefaultBoard = "stm32l432";

// What libmpq (blob, and code when counted) may use, and where the numbers come from.
struct Budget {
  std::string source;  // "stm32h743 (cortex-m7)", "--flash/--ram", ...
  uint64_t flash = 0, ram = 0;
  uint64_t application_flash = 0, application_ram = 0;
  CodeTarget code;       // whose code FLASH counts; none: the blob alone
  std::string code_note;  // why code is not counted, when it is not
};

// --board, --flash, --ram, --code as mpq memory takes them; UsageError on a bad value.
Budget read_budget(const boost::program_options::variables_map& vm);
// "1,234,567"
std::string grouped(uint64_t v);
// "fits, 12.00 KiB to spare" / "over by 3.50 KiB"
std::string verdict(uint64_t used, uint64_t budget);
nlohmann::json budget_json(const Budget& b, uint64_t flash, uint64_t ram);
// mpq memory --fit: every uniform policy's FLASH and RAM against the budget (with
// `inplace`, RAM with in-place pairs of those kinds, and the separate-buffer RAM beside).
int print_fit_table(const QuantGraph& graph, const Budget& budget, bool json, const std::string& patch_request,
                    double max_overhead, bool stream_input, InplaceKinds inplace = InplaceKinds::none);

}  // namespace mpq::cli
