#include "libmpq/io/onnx_constant_folding.hpp"

#include <algorithm>
#include <cmath>

#include "libmpq/core/error.hpp"

namespace mpq::onnx_io {

namespace {

// A folded tensor: values as doubles (pads and shapes are far below 2^53), and whether
// they are integers (INT64) or FLOAT.
struct Const {
  std::vector<int64_t> dims;
  std::vector<double> v;
  bool integer = true;
};

// Clamped into int64's range: INT64_MAX, Slice's usual "to the end", is 2^63 as a double,
// one past what converts.
int64_t to_int(double x) { return static_cast<int64_t>(std::max(-9.0e18, std::min(9.0e18, x))); }

int64_t element_count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > kMaxFoldedElements || n * d > kMaxFoldedElements)
      throw Error("a folded constant of more than " + std::to_string(kMaxFoldedElements) + " values");
    n *= d;
  }
  return n;
}

Const read(const onnx::TensorProto& t, const std::string& what) {
  Const c;
  if (t.data_type() == onnx::TensorProto::FLOAT) {
    FloatTensor f = read_float_tensor(t, what);
    c.dims = f.dims;
    c.v.assign(f.values.begin(), f.values.end());
    c.integer = false;
  } else {
    const std::vector<int64_t> v = read_int_tensor(t, what);
    c.dims.assign(t.dims().begin(), t.dims().end());
    c.v.assign(v.begin(), v.end());
  }
  element_count(c.dims);
  return c;
}

std::shared_ptr<onnx::TensorProto> write(const Const& c) {
  auto t = std::make_shared<onnx::TensorProto>();
  for (int64_t d : c.dims) t->add_dims(d);
  t->set_data_type(c.integer ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT);
  for (double x : c.v) {
    if (c.integer) t->add_int64_data(to_int(x));
    else t->add_float_data(static_cast<float>(x));
  }
  return t;
}

const Const& input(const std::vector<Const>& in, size_t i) {
  if (i >= in.size()) throw Error("input " + std::to_string(i) + " is missing");
  return in[i];
}

int64_t axis_of(int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) throw Error("axis " + std::to_string(axis) + " outside rank " + std::to_string(r));
  return axis < 0 ? axis + r : axis;
}

std::vector<int64_t> strides_of(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

// Visits every index of `dims` in row-major order.
template <typename F>
void for_each_index(const std::vector<int64_t>& dims, F f) {
  const int64_t n = element_count(dims);
  std::vector<int64_t> idx(dims.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    f(idx);
    for (size_t a = dims.size(); a-- > 0;) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
}

std::vector<int64_t> ints_of(const Const& c) {
  std::vector<int64_t> out;
  for (double x : c.v) out.push_back(to_int(x));
  return out;
}

Const concat(const onnx::NodeProto& node, const std::vector<Const>& in) {
  const Const& first = input(in, 0);
  const int64_t axis = axis_of(attribute_int(node, "axis", 0), first.dims.size());
  Const out = first;
  out.v.clear();
  out.dims[static_cast<size_t>(axis)] = 0;
  for (const Const& c : in) {
    if (c.dims.size() != first.dims.size()) throw Error("inputs of different ranks");
    for (size_t a = 0; a < c.dims.size(); ++a)
      if (static_cast<int64_t>(a) != axis && c.dims[a] != first.dims[a]) throw Error("inputs of different shapes");
    out.dims[static_cast<size_t>(axis)] += c.dims[static_cast<size_t>(axis)];
  }
  element_count(out.dims);
  int64_t outer = 1;
  for (int64_t a = 0; a < axis; ++a) outer *= first.dims[static_cast<size_t>(a)];
  for (int64_t o = 0; o < outer; ++o)
    for (const Const& c : in) {
      const int64_t chunk = static_cast<int64_t>(c.v.size()) / std::max<int64_t>(outer, 1);
      out.v.insert(out.v.end(), c.v.begin() + o * chunk, c.v.begin() + (o + 1) * chunk);
    }
  return out;
}

Const reshape(const Const& data, const Const& shape_in) {
  std::vector<int64_t> shape = ints_of(shape_in);
  int64_t known = 1, infer = -1;
  for (size_t a = 0; a < shape.size(); ++a) {
    if (shape[a] == 0 && a < data.dims.size()) shape[a] = data.dims[a];
    if (shape[a] == -1) {
      if (infer >= 0) throw Error("more than one -1 in the target shape");
      infer = static_cast<int64_t>(a);
    } else if (shape[a] < 0 || shape[a] > kMaxFoldedElements) {
      throw Error("target shape dimension " + std::to_string(shape[a]));
    } else {
      known *= shape[a];
      element_count({known});
    }
  }
  const int64_t n = static_cast<int64_t>(data.v.size());
  if (infer >= 0) shape[static_cast<size_t>(infer)] = known > 0 ? n / known : 0;
  if (element_count(shape) != n) throw Error("target shape does not hold the data's " + std::to_string(n) + " values");
  Const out = data;
  out.dims = shape;
  return out;
}

Const slice(const std::vector<Const>& in) {
  const Const& data = input(in, 0);
  const std::vector<int64_t> starts = ints_of(input(in, 1)), ends = ints_of(input(in, 2));
  const size_t rank = data.dims.size();
  std::vector<int64_t> axes, steps;
  if (in.size() > 3 && !in[3].dims.empty()) axes = ints_of(in[3]);
  if (in.size() > 4 && !in[4].dims.empty()) steps = ints_of(in[4]);
  if (axes.empty())
    for (size_t a = 0; a < starts.size(); ++a) axes.push_back(static_cast<int64_t>(a));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw Error("starts, ends, axes and steps of different lengths");
  std::vector<int64_t> begin(rank, 0), step(rank, 1), out_dims = data.dims;
  for (size_t k = 0; k < starts.size(); ++k) {
    const size_t a = static_cast<size_t>(axis_of(axes[k], rank));
    const int64_t dim = data.dims[a], s = steps[k];
    if (s == 0 || s < -kMaxFoldedElements || s > kMaxFoldedElements) throw Error("step " + std::to_string(s));
    // ONNX's clamping: negative positions count from the end; a forward slice clamps to
    // [0, dim], a backward one its start to [0, dim - 1] and its end to [-1, dim - 1].
    auto clamp = [&](int64_t v, bool is_end) {
      if (v < 0) v = v < -dim ? -1 : v + dim;
      if (s > 0) return std::min(std::max<int64_t>(v, 0), dim);
      return std::min(std::max<int64_t>(v, is_end ? -1 : 0), dim - 1);
    };
    const int64_t b = clamp(starts[k], false), e = clamp(ends[k], true);
    const int64_t count = s > 0 ? (e > b ? (e - b + s - 1) / s : 0) : (b > e ? (b - e + (-s) - 1) / (-s) : 0);
    begin[a] = b;
    step[a] = s;
    out_dims[a] = count;
  }
  Const out;
  out.integer = data.integer;
  out.dims = out_dims;
  const std::vector<int64_t> strides = strides_of(data.dims);
  for_each_index(out_dims, [&](const std::vector<int64_t>& idx) {
    int64_t at = 0;
    for (size_t a = 0; a < rank; ++a) at += (begin[a] + idx[a] * step[a]) * strides[a];
    out.v.push_back(data.v[static_cast<size_t>(at)]);
  });
  return out;
}

Const transpose(const onnx::NodeProto& node, const Const& data) {
  const size_t rank = data.dims.size();
  std::vector<int64_t> perm = attribute_ints(node, "perm");
  if (perm.empty())
    for (size_t a = rank; a-- > 0;) perm.push_back(static_cast<int64_t>(a));
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool permutation = perm.size() == rank;
  for (size_t a = 0; a < sorted.size(); ++a) permutation = permutation && sorted[a] == static_cast<int64_t>(a);
  if (!permutation) throw Error("perm is not a permutation of the axes");
  Const out;
  out.integer = data.integer;
  for (int64_t p : perm) out.dims.push_back(data.dims[static_cast<size_t>(p)]);
  const std::vector<int64_t> strides = strides_of(data.dims);
  for_each_index(out.dims, [&](const std::vector<int64_t>& idx) {
    int64_t at = 0;
    for (size_t a = 0; a < rank; ++a) at += idx[a] * strides[static_cast<size_t>(perm[a])];
    out.v.push_back(data.v[static_cast<size_t>(at)]);
  });
  return out;
}

Const gather(const onnx::NodeProto& node, const Const& data, const Const& indices) {
  if (data.dims.empty()) throw Error("gathering from a scalar");
  const size_t axis = static_cast<size_t>(axis_of(attribute_int(node, "axis", 0), data.dims.size()));
  Const out;
  out.integer = data.integer;
  out.dims.assign(data.dims.begin(), data.dims.begin() + static_cast<int64_t>(axis));
  out.dims.insert(out.dims.end(), indices.dims.begin(), indices.dims.end());
  out.dims.insert(out.dims.end(), data.dims.begin() + static_cast<int64_t>(axis) + 1, data.dims.end());
  const std::vector<int64_t> strides = strides_of(data.dims);
  const size_t q = indices.dims.size();
  const std::vector<int64_t> index_strides = strides_of(indices.dims);
  for_each_index(out.dims, [&](const std::vector<int64_t>& idx) {
    int64_t flat_index = 0;
    for (size_t k = 0; k < q; ++k) flat_index += idx[axis + k] * index_strides[k];
    int64_t i = to_int(indices.v[static_cast<size_t>(flat_index)]);
    const int64_t dim = data.dims[axis];
    if (i < -dim || i >= dim) throw Error("index " + std::to_string(i) + " outside 0.." + std::to_string(dim - 1));
    if (i < 0) i += dim;
    int64_t at = i * strides[axis];
    for (size_t a = 0; a < axis; ++a) at += idx[a] * strides[a];
    for (size_t a = axis + 1; a < data.dims.size(); ++a) at += idx[a + q - 1] * strides[a];
    out.v.push_back(data.v[static_cast<size_t>(at)]);
  });
  return out;
}

Const unsqueeze(const onnx::NodeProto& node, const std::vector<Const>& in, bool squeeze) {
  Const out = input(in, 0);
  std::vector<int64_t> axes = in.size() > 1 ? ints_of(in[1]) : attribute_ints(node, "axes");
  if (squeeze) {
    std::vector<int64_t> dims;
    for (size_t a = 0; a < out.dims.size(); ++a) {
      bool listed = axes.empty() && out.dims[a] == 1;
      for (int64_t x : axes) listed = listed || axis_of(x, out.dims.size()) == static_cast<int64_t>(a);
      if (listed && out.dims[a] != 1) throw Error("squeezing an axis of size " + std::to_string(out.dims[a]));
      if (!listed) dims.push_back(out.dims[a]);
    }
    out.dims = dims;
    return out;
  }
  const size_t rank = out.dims.size() + axes.size();
  std::vector<bool> one(rank, false);
  for (int64_t x : axes) {
    const size_t a = static_cast<size_t>(axis_of(x, rank));
    if (one[a]) throw Error("repeated axes");
    one[a] = true;
  }
  std::vector<int64_t> dims;
  size_t next = 0;
  for (size_t a = 0; a < rank; ++a) dims.push_back(one[a] ? 1 : out.dims[next++]);
  out.dims = dims;
  return out;
}

}  // namespace

bool is_foldable_op(const std::string& op) {
  for (const char* o : {"ConstantOfShape", "Concat", "Reshape", "Slice", "Transpose", "Cast", "Gather", "Unsqueeze",
                        "Squeeze"})
    if (op == o) return true;
  return false;
}

std::shared_ptr<onnx::TensorProto> shape_tensor(const std::vector<int64_t>& shape) {
  Const c;
  c.dims = {static_cast<int64_t>(shape.size())};
  c.v.assign(shape.begin(), shape.end());
  return write(c);
}

std::shared_ptr<onnx::TensorProto> fold_constant(const onnx::NodeProto& node,
                                                 const std::vector<const onnx::TensorProto*>& inputs,
                                                 const std::string& what) {
  std::vector<Const> in;
  for (const onnx::TensorProto* t : inputs) in.push_back(t ? read(*t, what) : Const{});
  const std::string& op = node.op_type();
  Const out;
  if (op == "ConstantOfShape") {
    out.dims = ints_of(input(in, 0));
    out.integer = false;
    double fill = 0.0;
    if (const auto* a = find_attribute(node, "value"); a && a->has_t()) {
      const Const v = read(a->t(), what);
      if (v.v.size() != 1) throw Error("value must hold one number");
      fill = v.v[0];
      out.integer = v.integer;
    }
    out.v.assign(static_cast<size_t>(element_count(out.dims)), fill);
  } else if (op == "Concat") {
    out = concat(node, in);
  } else if (op == "Reshape") {
    out = reshape(input(in, 0), input(in, 1));
  } else if (op == "Slice") {
    out = slice(in);
  } else if (op == "Transpose") {
    out = transpose(node, input(in, 0));
  } else if (op == "Cast") {
    out = input(in, 0);
    const int64_t to = attribute_int(node, "to", 0);
    if (to == onnx::TensorProto::FLOAT) {
      out.integer = false;
    } else if (to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32) {
      out.integer = true;
      for (double& x : out.v) x = std::trunc(x);
    } else {
      throw Error("cast to type " + std::to_string(to) + " is not supported (only FLOAT, INT64, INT32)");
    }
  } else if (op == "Gather") {
    out = gather(node, input(in, 0), input(in, 1));
  } else if (op == "Unsqueeze" || op == "Squeeze") {
    out = unsqueeze(node, in, op == "Squeeze");
  } else {
    throw Error("cannot be evaluated");
  }
  for (double x : out.v)
    if (!std::isfinite(x)) throw Error("folds to a value that is not finite");
  return write(out);
}

}  // namespace mpq::onnx_io
