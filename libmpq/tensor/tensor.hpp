// tensor: float32 tensors, their shapes, and the parallel loop that all ops use.
// Activations are NHWC (batch, height, width, channels): the layout of the integer
// kernels too, and the one that turns a 1x1 convolution over a batch into one GEMM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpq {

using Shape = std::vector<int64_t>;

// Throws Error on a negative dimension or a product past int64 (a shape read from a file).
int64_t shape_elements(const Shape& shape);
std::string shape_to_string(const Shape& shape);  // "8x32x32x3"

// A dense, contiguous, row-major float32 tensor that owns its storage. Ops take
// Eigen::Map views of data() inside their .cpp files so that headers stay light.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape, float fill = 0.f);

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[static_cast<size_t>(i < 0 ? i + rank() : i)]; }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  float& operator[](int64_t i) { return data_[static_cast<size_t>(i)]; }
  float operator[](int64_t i) const { return data_[static_cast<size_t>(i)]; }

  // Changes the shape, keeping storage when the element count allows; new elements are
  // zero. Contents are unspecified afterwards unless the count is unchanged.
  void resize(const Shape& shape);
  // Same elements, new shape; the element count must match.
  void reshape(const Shape& shape);
  void fill(float value);
  void zero() { fill(0.f); }

 private:
  Shape shape_;
  std::vector<float> data_;
};

}  // namespace mpq
