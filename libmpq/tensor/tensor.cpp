#include "libmpq/tensor/tensor.hpp"

#include <algorithm>

#include "libmpq/core/error.hpp"

namespace mpq {

int64_t shape_elements(const Shape& shape) {
  for (int64_t d : shape)
    if (d == 0) return 0;
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n))
      throw Error("tensor: shape " + shape_to_string(shape) + (d < 0 ? " has a negative dimension" : " has more elements than int64 holds"));
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s.empty() ? "scalar" : s;
}

Tensor::Tensor(Shape shape, float fill) : shape_(std::move(shape)) {
  for (int64_t d : shape_) require(d >= 0, "tensor: negative dimension in shape " + shape_to_string(shape_));
  data_.assign(static_cast<size_t>(shape_elements(shape_)), fill);
}

void Tensor::resize(const Shape& shape) {
  shape_ = shape;
  data_.resize(static_cast<size_t>(shape_elements(shape_)));
}

void Tensor::reshape(const Shape& shape) {
  require(shape_elements(shape) == size(),
          "tensor: cannot reshape " + shape_to_string(shape_) + " to " + shape_to_string(shape));
  shape_ = shape;
}

void Tensor::fill(float value) { std::fill(data_.begin(), data_.end(), value); }

}  // namespace mpq
