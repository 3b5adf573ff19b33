#include "nn/gradient_check.hpp"

#include <algorithm>
#include <cmath>

namespace mpq::test {

Tensor random_tensor(const Shape& shape, Rng& rng, float scale) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = rng.normal() * scale;
  return t;
}

namespace {

double weighted_sum(Layer& layer, const std::vector<Tensor>& inputs, const Tensor& r, bool training) {
  std::vector<const Tensor*> in;
  for (const auto& t : inputs) in.push_back(&t);
  Tensor out;
  layer.forward(in, out, training);
  double s = 0;
  for (int64_t i = 0; i < out.size(); ++i) s += static_cast<double>(out[i]) * r[i];
  return s;
}

void probe(Tensor& x, const Tensor& analytic, const std::string& label, Layer& layer, std::vector<Tensor>& inputs,
           const Tensor& r, bool training, double h, int max_probes, GradientError& worst) {
  const int64_t n = x.size();
  const int64_t step = std::max<int64_t>(1, n / max_probes);
  for (int64_t i = 0; i < n; i += step) {
    const float saved = x[i];
    x[i] = saved + static_cast<float>(h);
    double up = weighted_sum(layer, inputs, r, training);
    x[i] = saved - static_cast<float>(h);
    double down = weighted_sum(layer, inputs, r, training);
    x[i] = saved;
    double numeric = (up - down) / (2 * h);
    double err = std::abs(analytic[i] - numeric) / std::max(1.0, std::abs(numeric));
    if (err > worst.worst) {
      worst.worst = err;
      worst.where = label + " [" + std::to_string(i) + "] analytic " + std::to_string(analytic[i]) + " numeric " +
                    std::to_string(numeric);
    }
  }
}

}  // namespace

GradientError check_gradients(Layer& layer, std::vector<Tensor> inputs, bool training, uint64_t seed, double h,
                              int max_probes) {
  Rng rng(seed);
  std::vector<const Tensor*> in;
  for (const auto& t : inputs) in.push_back(&t);
  Tensor out;
  layer.forward(in, out, training);
  Tensor r = random_tensor(out.shape(), rng);

  for (Parameter* p : layer.parameters()) p->grad.zero();
  std::vector<Tensor> grads(inputs.size());
  std::vector<Tensor*> grad_ptrs;
  for (auto& g : grads) grad_ptrs.push_back(&g);
  layer.backward(in, out, r, grad_ptrs);

  GradientError worst;
  for (size_t k = 0; k < inputs.size(); ++k)
    probe(inputs[k], grads[k], "input " + std::to_string(k), layer, inputs, r, training, h, max_probes, worst);
  for (Parameter* p : layer.parameters()) {
    Tensor analytic = p->grad;
    probe(p->value, analytic, "param " + p->name, layer, inputs, r, training, h, max_probes, worst);
  }
  return worst;
}

}  // namespace mpq::test
