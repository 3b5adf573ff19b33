#include "libmpq/train/distillation.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "libmpq/core/error.hpp"

namespace mpq {

namespace {
// Softmax of row / T in double (max subtracted).
void softmax_row(const float* row, int64_t k, double inv_t, std::vector<double>& p) {
  p.resize(static_cast<size_t>(k));
  double top = row[0];
  for (int64_t j = 1; j < k; ++j) top = std::max(top, static_cast<double>(row[j]));
  double sum = 0;
  for (int64_t j = 0; j < k; ++j) sum += p[static_cast<size_t>(j)] = std::exp((row[j] - top) * inv_t);
  for (double& v : p) v /= sum;
}
}  // namespace

double mix_distillation_gradient(const Tensor& student, const Tensor& teacher, float weight, float temperature,
                                 Tensor& grad) {
  require(student.rank() == 2 && teacher.shape() == student.shape() && grad.shape() == student.shape(),
          "distillation: student, teacher and gradient must be [N, K] alike");
  require(temperature > 0.f && weight >= 0.f && weight <= 1.f, "distillation: needs temperature > 0, weight in [0, 1]");
  const int64_t n = student.dim(0), k = student.dim(1);
  const double inv_t = 1.0 / temperature, t = temperature;
  std::vector<double> ps, pt;
  double kl = 0;
  for (int64_t i = 0; i < n; ++i) {
    softmax_row(student.data() + i * k, k, inv_t, ps);
    softmax_row(teacher.data() + i * k, k, inv_t, pt);
    for (int64_t j = 0; j < k; ++j) {
      const double s = ps[static_cast<size_t>(j)], q = pt[static_cast<size_t>(j)];
      if (q > 0) kl += q * (std::log(q) - std::log(std::max(s, 1e-300)));
      float& g = grad[i * k + j];
      g = static_cast<float>((1.0 - weight) * g + weight * t * (s - q) / static_cast<double>(n));
    }
  }
  return t * t * kl / static_cast<double>(n);
}

}  // namespace mpq
