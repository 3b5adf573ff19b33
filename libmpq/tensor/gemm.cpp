#include "libmpq/tensor/gemm.hpp"

#include <Eigen/Core>

namespace mpq {

namespace {
using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;
using Map = Eigen::Map<RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;

template <class A, class B>
void multiply_into(Map& c, const A& a, const B& b, float alpha, float beta) {
  if (beta == 0.f) {
    c.noalias() = alpha * (a * b);
  } else {
    if (beta != 1.f) c *= beta;
    c.noalias() += alpha * (a * b);
  }
}
}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  Map cm(c, m, n, Eigen::OuterStride<>(ldc));
  if (k == 0) {
    if (beta == 0.f) cm.setZero();
    else cm *= beta;
    return;
  }
  ConstMap am(a, trans_a ? k : m, trans_a ? m : k, Eigen::OuterStride<>(lda));
  ConstMap bm(b, trans_b ? n : k, trans_b ? k : n, Eigen::OuterStride<>(ldb));
  if (!trans_a && !trans_b) multiply_into(cm, am, bm, alpha, beta);
  else if (trans_a && !trans_b) multiply_into(cm, am.transpose(), bm, alpha, beta);
  else if (!trans_a && trans_b) multiply_into(cm, am, bm.transpose(), alpha, beta);
  else multiply_into(cm, am.transpose(), bm.transpose(), alpha, beta);
}

}  // namespace mpq
