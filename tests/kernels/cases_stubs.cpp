#include "tests/kernels/case_generators.hpp"
namespace mpq::kernels::testing {
void depthwise_convolve_case(CaseRng&, int32_t, Arena&, CaseReport&) {}
void pointwise_convolve_case(CaseRng&, int32_t, Arena&, CaseReport&) {}
void fully_connected_case(CaseRng&, int32_t, Arena&, CaseReport&) {}
void global_average_pool_case(CaseRng&, int32_t, Arena&, CaseReport&) {}
void residual_add_case(CaseRng&, int32_t, Arena&, CaseReport&) {}
}
