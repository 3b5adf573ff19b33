#include "libmpq/rl/mlp.hpp"

#include <cmath>
#include <string>

#include "libmpq/core/error.hpp"
#include "libmpq/rl/sigmoid.hpp"
#include "libmpq/tensor/gemm.hpp"

namespace mpq {

namespace {

std::string sizes_to_string(const std::vector<int64_t>& sizes) {
  std::string s;
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? "-" : "") + std::to_string(sizes[i]);
  return s;
}

void fill_uniform(Tensor& t, Rng& rng, float range) {
  for (int64_t i = 0; i < t.size(); ++i) t[i] = (2.f * rng.uniform() - 1.f) * range;
}

}  // namespace

Mlp::Mlp(int64_t in_features, const std::vector<int64_t>& hidden, int64_t out_features, OutputActivation activation)
    : activation_(activation) {
  sizes_.push_back(in_features);
  sizes_.insert(sizes_.end(), hidden.begin(), hidden.end());
  sizes_.push_back(out_features);
  for (int64_t s : sizes_)
    require(s > 0, "mlp: layer sizes " + sizes_to_string(sizes_) + ": every size must be positive");
  const size_t layers = sizes_.size() - 1;
  linears_.reserve(layers);
  for (size_t i = 0; i < layers; ++i) linears_.emplace_back(sizes_[i], sizes_[i + 1]);
  inputs_.resize(layers);
  pre_.resize(layers);
}

void Mlp::reset_parameters(Rng& rng, float last_layer_range) {
  require(last_layer_range > 0.f, "mlp: last layer init range must be positive, got " +
                                      std::to_string(last_layer_range));
  for (size_t i = 0; i < linears_.size(); ++i) {
    Linear& l = linears_[i];
    const float range = i + 1 == linears_.size()
                            ? last_layer_range
                            : 1.f / std::sqrt(static_cast<float>(l.in_features()));
    fill_uniform(l.weight.value, rng, range);
    fill_uniform(l.bias.value, rng, range);
  }
}

const Tensor& Mlp::forward(const Tensor& input) {
  if (input.rank() != 2 || input.dim(1) != in_features())
    throw Error("mlp " + sizes_to_string(sizes_) + ": expected input [N, " + std::to_string(in_features()) +
                "], got " + shape_to_string(input.shape()));
  inputs_[0] = input;
  for (size_t i = 0; i < linears_.size(); ++i) {
    linears_[i].forward({&inputs_[i]}, pre_[i], true);
    if (i + 1 < linears_.size()) relu_.forward({&pre_[i]}, inputs_[i + 1], true);
  }
  if (activation_ == OutputActivation::Sigmoid) sigmoid_forward(pre_.back(), output_);
  else output_ = pre_.back();
  return output_;
}

void Mlp::backward(const Tensor& grad_output, Tensor* grad_input) {
  require(grad_output.shape() == output_.shape(), "mlp " + sizes_to_string(sizes_) + ": output gradient " +
                                                      shape_to_string(grad_output.shape()) + " does not match output " +
                                                      shape_to_string(output_.shape()) + " (forward first)");
  if (activation_ == OutputActivation::Sigmoid) sigmoid_backward(output_, grad_output, grad_a_);
  else grad_a_ = grad_output;
  for (size_t i = linears_.size(); i-- > 0;) {
    Tensor* grad_x = i > 0 ? &grad_b_ : grad_input;
    std::vector<Tensor*> grad_inputs;
    if (grad_x) grad_inputs.push_back(grad_x);
    linears_[i].backward({&inputs_[i]}, pre_[i], grad_a_, grad_inputs);
    if (i > 0) relu_.backward({&pre_[i - 1]}, inputs_[i], grad_b_, {&grad_a_});
  }
}

void Mlp::input_gradient(const Tensor& grad_output, Tensor& grad_input) {
  require(grad_output.shape() == output_.shape(), "mlp " + sizes_to_string(sizes_) + ": output gradient " +
                                                      shape_to_string(grad_output.shape()) + " does not match output " +
                                                      shape_to_string(output_.shape()) + " (forward first)");
  if (activation_ == OutputActivation::Sigmoid) sigmoid_backward(output_, grad_output, grad_a_);
  else grad_a_ = grad_output;
  const int64_t rows = grad_output.dim(0);
  for (size_t i = linears_.size(); i-- > 0;) {
    const Linear& l = linears_[i];
    Tensor& grad_x = i > 0 ? grad_b_ : grad_input;
    grad_x.resize({rows, l.in_features()});
    // grad_x = grad_y * W: W is [out, in], so no transposes.
    gemm(false, false, rows, l.in_features(), l.out_features(), 1.f, grad_a_.data(), l.out_features(),
         l.weight.value.data(), l.in_features(), 0.f, grad_x.data(), l.in_features());
    if (i > 0) relu_.backward({&pre_[i - 1]}, inputs_[i], grad_b_, {&grad_a_});
  }
}

std::vector<Parameter*> Mlp::parameters() {
  std::vector<Parameter*> params;
  for (Linear& l : linears_)
    for (Parameter* p : l.parameters()) params.push_back(p);
  return params;
}

void Mlp::zero_grad() {
  for (Parameter* p : parameters()) p->grad.zero();
}

void Mlp::require_same_sizes(const Mlp& other, const char* op) const {
  require(sizes_ == other.sizes_, std::string("mlp ") + op + ": layer sizes " + sizes_to_string(other.sizes_) +
                                      " differ from " + sizes_to_string(sizes_));
}

void Mlp::copy_from(const Mlp& source) {
  require_same_sizes(source, "copy");
  for (size_t i = 0; i < linears_.size(); ++i) {
    linears_[i].weight.value = source.linears_[i].weight.value;
    linears_[i].bias.value = source.linears_[i].bias.value;
  }
}

void Mlp::soft_update_from(const Mlp& source, float tau) {
  require_same_sizes(source, "soft update");
  require(tau >= 0.f && tau <= 1.f, "mlp soft update: tau must be in [0, 1], got " + std::to_string(tau));
  const float keep = 1.f - tau;
  auto blend = [tau, keep](Tensor& target, const Tensor& src) {
    float* t = target.data();
    const float* s = src.data();
    for (int64_t j = 0; j < target.size(); ++j) t[j] = tau * s[j] + keep * t[j];
  };
  for (size_t i = 0; i < linears_.size(); ++i) {
    blend(linears_[i].weight.value, source.linears_[i].weight.value);
    blend(linears_[i].bias.value, source.linears_[i].bias.value);
  }
}

void Mlp::save(ByteWriter& out) const {
  out.u32(static_cast<uint32_t>(sizes_.size()));
  for (int64_t s : sizes_) out.i64(s);
  out.u8(static_cast<uint8_t>(activation_));
  for (const Linear& l : linears_) {
    out.floats(l.weight.value.data(), static_cast<size_t>(l.weight.value.size()));
    out.floats(l.bias.value.data(), static_cast<size_t>(l.bias.value.size()));
  }
}

void Mlp::load(ByteReader& in) {
  const uint32_t count = in.u32("mlp layer count");
  require(count == sizes_.size(), "mlp load: " + std::to_string(count) + " layer sizes stored, expected " +
                                      std::to_string(sizes_.size()) + " (" + sizes_to_string(sizes_) + ")");
  std::vector<int64_t> sizes(count);
  for (auto& s : sizes) s = in.i64("mlp layer size");
  require(sizes == sizes_, "mlp load: stored layer sizes " + sizes_to_string(sizes) + ", expected " +
                               sizes_to_string(sizes_));
  const uint8_t activation = in.u8("mlp output activation");
  require(activation == static_cast<uint8_t>(activation_),
          "mlp load: stored output activation " + std::to_string(activation) + ", expected " +
              std::to_string(static_cast<int>(activation_)));
  // Read everything before touching the parameters, so a truncated input leaves them as
  // they were.
  std::vector<Tensor> values;
  for (const Linear& l : linears_) {
    values.emplace_back(l.weight.value.shape());
    in.floats(values.back().data(), static_cast<size_t>(values.back().size()), "mlp weight");
    values.emplace_back(l.bias.value.shape());
    in.floats(values.back().data(), static_cast<size_t>(values.back().size()), "mlp bias");
  }
  for (size_t i = 0; i < linears_.size(); ++i) {
    linears_[i].weight.value = values[2 * i];
    linears_[i].bias.value = values[2 * i + 1];
  }
}

}  // namespace mpq
