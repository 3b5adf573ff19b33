#include "tests/kernels/cases/case_generators.hpp"

#include <climits>

namespace mpq::kernels::testing {

BitsCombo bits_combo(int32_t i) {
  static const int32_t kBits[3] = {8, 4, 2};
  return BitsCombo{kBits[i % 3], kBits[(i / 3) % 3], kBits[(i / 9) % 3]};
}

int32_t ceil_log2(int64_t v) {
  int32_t n = 0;
  while ((int64_t{1} << n) < v) ++n;
  return n;
}

ActivationFormat random_input_format(CaseRng& rng, int32_t bits) {
  const int32_t top = (1 << bits) - 1;
  return ActivationFormat{bits, rng.percent(50) ? 0 : rng.range(0, top)};
}

OutputFormat random_output_format(CaseRng& rng, int32_t bits) {
  const int32_t top = (1 << bits) - 1;
  OutputFormat f{bits, rng.percent(50) ? 0 : rng.range(0, top), 0, top};
  if (rng.percent(30)) {
    f.min = rng.range(0, top);
    f.max = rng.range(f.min, top);
  }
  return f;
}

void random_requant(CaseRng& rng, int32_t n, int32_t acc_log2, int32_t out_bits,
                    int32_t* multiplier, int32_t* shift) {
  for (int32_t i = 0; i < n; ++i) {
    if (rng.percent(5)) {
      const int32_t extreme[] = {0, 1 << 30, INT32_MAX, rng.range(0, INT32_MAX)};
      multiplier[i] = rng.pick(extreme);
      shift[i] = rng.range(-31, 30);
    } else {
      multiplier[i] = rng.range(1 << 30, INT32_MAX);
      int32_t s = out_bits - acc_log2 + rng.range(-2, 2);
      shift[i] = s < -31 ? -31 : (s > 30 ? 30 : s);
    }
  }
}

void random_bias(CaseRng& rng, int32_t n, int32_t acc_log2, int32_t* bias) {
  const int32_t span = acc_log2 >= 30 ? INT32_MAX : (int32_t{1} << acc_log2);
  for (int32_t i = 0; i < n; ++i) {
    if (rng.percent(3)) {
      bias[i] = rng.percent(50) ? INT32_MAX - rng.range(0, 1000) : INT32_MIN + rng.range(0, 1000);
    } else {
      bias[i] = rng.range(-span, span);
    }
  }
}

uint8_t* random_bytes(CaseRng& rng, Arena& arena, int64_t n) {
  uint8_t* p = arena.take(n);
  if (p != nullptr) rng.fill(p, static_cast<int32_t>(n));
  return p;
}

void record_case(CaseReport& report, const char* what, Status ref_status, Status fast_status,
                 const uint8_t* ref, const uint8_t* fast, int64_t n) {
  ++report.cases;
  report.checksum = fnv1a(report.checksum, ref, n);
  int64_t diff = -1;
  if (ref_status == Status::ok && fast_status == Status::ok) {
    for (int64_t i = 0; i < n && diff < 0; ++i) {
      if (ref[i] != fast[i]) diff = i;
    }
    if (diff < 0) return;
  }
  if (report.failures++ > 0) return;
  Text t(report.first_failure, sizeof report.first_failure);
  t << "case " << static_cast<int32_t>(report.cases - 1) << " (" << what << "): ";
  if (ref_status != Status::ok || fast_status != Status::ok) {
    t << "status ref " << status_name(ref_status) << ", fast " << status_name(fast_status);
  } else {
    t << "output byte " << diff << " of " << n << ": ref " << static_cast<int32_t>(ref[diff])
      << ", fast " << static_cast<int32_t>(fast[diff]);
  }
}

void record_setup_failure(CaseReport& report, const char* what) {
  ++report.cases;
  if (report.failures++ > 0) return;
  Text t(report.first_failure, sizeof report.first_failure);
  t << "case " << static_cast<int32_t>(report.cases - 1) << " (" << what
    << "): does not fit in the case arena";
}

}  // namespace mpq::kernels::testing
