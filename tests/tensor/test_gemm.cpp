#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "libmpq/core/rng.hpp"
#include "libmpq/tensor/gemm.hpp"

BOOST_AUTO_TEST_SUITE(gemm)

// Plain triple loop, the reference.
static void reference(bool ta, bool tb, int m, int n, int k, float alpha, const std::vector<float>& a,
                      const std::vector<float>& b, float beta, std::vector<float>& c) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < k; ++p) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = static_cast<float>(alpha * s + beta * c[i * n + j]);
    }
}

BOOST_AUTO_TEST_CASE(all_transpose_combinations_match_reference) {
  mpq::Rng rng(5);
  const int m = 7, n = 5, k = 9;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (float beta : {0.f, 1.f, 0.5f}) {
        std::vector<float> a(m * k), b(k * n), c(m * n), ref;
        for (auto& x : a) x = rng.normal();
        for (auto& x : b) x = rng.normal();
        for (auto& x : c) x = rng.normal();
        ref = c;
        reference(ta, tb, m, n, k, 0.75f, a, b, beta, ref);
        mpq::gemm(ta, tb, m, n, k, 0.75f, a.data(), ta ? m : k, b.data(), tb ? k : n, beta, c.data(), n);
        for (int i = 0; i < m * n; ++i) BOOST_TEST(std::abs(c[i] - ref[i]) < 1e-4f);
      }
}

BOOST_AUTO_TEST_SUITE_END()
