#pragma once
// Building blocks of the random kernel cases (see kernel_cases.hpp).

#include <cstdint>

#include "libmpq/kernels/quant_params.hpp"
#include "libmpq/kernels/status.hpp"
#include "tests/kernels/cases/case_support.hpp"
#include "tests/kernels/cases/kernel_cases.hpp"

namespace mpq::kernels::testing {

struct BitsCombo {
  int32_t a, b, c;  // e.g. input, weight, output bits
};
// Case i -> one of the 27 combinations of {8,4,2}^3, cycling.
BitsCombo bits_combo(int32_t i);

// ceil(log2(v)) for v >= 1.
int32_t ceil_log2(int64_t v);

ActivationFormat random_input_format(CaseRng& rng, int32_t bits);
OutputFormat random_output_format(CaseRng& rng, int32_t bits);

// Per-channel (multiplier, shift) mapping accumulators of about 2^acc_log2 onto codes of
// out_bits, plus about 1 in 20 extreme pairs (zero, huge, tiny) that saturate.
void random_requant(CaseRng& rng, int32_t n, int32_t acc_log2, int32_t out_bits,
                    int32_t* multiplier, int32_t* shift);
// Biases of about 2^acc_log2, plus rare ones near the int32 limits (the add wraps).
void random_bias(CaseRng& rng, int32_t n, int32_t acc_log2, int32_t* bias);

// Takes n random bytes from the arena (nullptr if it does not fit).
uint8_t* random_bytes(CaseRng& rng, Arena& arena, int64_t n);

// Records one case: both statuses must be ok and the n output bytes equal. `what`
// describes the case for the failure message. Hashes the reference output.
void record_case(CaseReport& report, const char* what, Status ref_status, Status fast_status,
                 const uint8_t* ref, const uint8_t* fast, int64_t n);
// Records a case that could not be set up (arena too small).
void record_setup_failure(CaseReport& report, const char* what);

// One random case of each family (index selects the bit combination).
void convolve_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report);
void depthwise_convolve_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report);
void pointwise_convolve_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report);
void fully_connected_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report);
void global_average_pool_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report);
void residual_add_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report);
void max_pool_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report);
void average_pool_case(CaseRng& rng, int32_t index, Arena& arena, CaseReport& report);

}  // namespace mpq::kernels::testing
