#include "libmpq/nn/model.hpp"

#include <algorithm>

#include "libmpq/core/error.hpp"

namespace mpq {

int Model::add(const std::string& name, std::unique_ptr<Layer> layer, std::vector<int> inputs) {
  require(find(name) < 0, "model: duplicate node name '" + name + "'");
  const int index = static_cast<int>(nodes_.size());
  for (int i : inputs)
    require(i == kInput || (i >= 0 && i < index), "model: node '" + name + "' reads node " + std::to_string(i) +
                                                      " which does not come before it");
  nodes_.push_back(Node{name, std::move(layer), std::move(inputs)});
  last_reader_.clear();  // infer() recomputes it
  return index;
}

int Model::add(const std::string& name, std::unique_ptr<Layer> layer) {
  return add(name, std::move(layer), {static_cast<int>(nodes_.size()) - 1});
}

int Model::find(const std::string& name) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].name == name) return static_cast<int>(i);
  return -1;
}

void Model::check_input(const Tensor& images) const {
  require(!nodes_.empty(), "model: forward on an empty model");
  const Shape want = input_shape();
  require(images.rank() == 4 && images.dim(1) == want[0] && images.dim(2) == want[1] && images.dim(3) == want[2],
          "model " + spec_.arch + ": input batch is " + shape_to_string(images.shape()) + ", expected Nx" +
              shape_to_string(want));
}

const Tensor& Model::forward(const Tensor& images, bool training) {
  check_input(images);
  spare_.clear();
  spare_.shrink_to_fit();
  last_input_ = &images;
  outputs_.resize(nodes_.size());
  std::vector<const Tensor*> in;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    in.clear();
    for (int k : nodes_[i].inputs) in.push_back(k == kInput ? &images : &outputs_[static_cast<size_t>(k)]);
    nodes_[i].layer->forward(in, outputs_[i], training);
  }
  return outputs_.back();
}

const Tensor& Model::infer(const Tensor& images) {
  check_input(images);
  const size_t n = nodes_.size();
  if (last_input_ != nullptr) {
    // After forward(): drop what it kept for backward(); infer() keeps much less.
    outputs_.clear();
    last_input_ = nullptr;
  }
  outputs_.resize(n);
  if (last_reader_.size() != n) last_reader_ = last_readers();
  // Storage of earlier outputs that nobody reads any more (all but the last node's).
  for (size_t i = 0; i + 1 < n; ++i)
    if (!outputs_[i].empty()) spare_.push_back(std::move(outputs_[i]));
  std::vector<const Tensor*> in;
  for (size_t i = 0; i < n; ++i) {
    if (outputs_[i].empty() && !spare_.empty()) {
      // The largest spare: after the first batch every output fits in one without
      // reallocating (resize() keeps storage).
      auto it = std::max_element(spare_.begin(), spare_.end(),
                                 [](const Tensor& a, const Tensor& b) { return a.size() < b.size(); });
      outputs_[i] = std::move(*it);
      spare_.erase(it);
    }
    in.clear();
    for (int k : nodes_[i].inputs) in.push_back(k == kInput ? &images : &outputs_[static_cast<size_t>(k)]);
    nodes_[i].layer->forward(in, outputs_[i], false);
    for (int k : nodes_[i].inputs) {
      if (k == kInput || last_reader_[static_cast<size_t>(k)] != static_cast<int>(i)) continue;
      Tensor& done = outputs_[static_cast<size_t>(k)];
      if (!done.empty()) spare_.push_back(std::move(done));
      done = Tensor();
    }
  }
  return outputs_.back();
}

void Model::forward_nodes(size_t first, size_t last, const Tensor& images, std::vector<Tensor>& outputs) {
  require(first <= last && last < nodes_.size() && outputs.size() == nodes_.size(),
          "model: forward_nodes needs first <= last < " + std::to_string(nodes_.size()) +
              " and one output slot per node");
  check_input(images);
  std::vector<const Tensor*> in;
  for (size_t i = first; i <= last; ++i) {
    in.clear();
    for (int k : nodes_[i].inputs) {
      const auto ku = static_cast<size_t>(k);
      require(k == kInput || ku >= first || !outputs[ku].empty(),
              "model: forward_nodes from node " + std::to_string(first) + " without the output of node " +
                  std::to_string(k) + " that node " + std::to_string(i) + " reads");
      in.push_back(k == kInput ? &images : &outputs[ku]);
    }
    nodes_[i].layer->forward(in, outputs[i], false);
  }
}

std::vector<int> Model::last_readers() const {
  std::vector<int> last(nodes_.size(), -1);
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (int k : nodes_[i].inputs)
      if (k != kInput) last[static_cast<size_t>(k)] = static_cast<int>(i);
  return last;
}

void Model::release_buffers() {
  outputs_ = {};
  grads_ = {};
  spare_ = {};
  last_input_ = nullptr;
}

void Model::backward(const Tensor& grad_output) {
  require(last_input_ != nullptr && outputs_.size() == nodes_.size(),
          "model: backward without forward (infer() keeps nothing for it)");
  require(grad_output.shape() == outputs_.back().shape(),
          "model: output gradient is " + shape_to_string(grad_output.shape()) + ", expected " +
              shape_to_string(outputs_.back().shape()));
  const size_t n = nodes_.size();
  grads_.resize(n);
  // A node read by several others (a residual branch point) sums their gradients:
  // the first contribution is written, later ones added.
  std::vector<char> has_grad(n, 0);
  grads_[n - 1] = grad_output;
  has_grad[n - 1] = 1;
  std::vector<const Tensor*> in;
  std::vector<Tensor*> gin;
  std::vector<Tensor> temps;
  std::vector<char> add_later;
  for (size_t i = n; i-- > 0;) {
    if (!has_grad[i]) continue;  // output not used by the loss
    const Node& node = nodes_[i];
    const size_t m = node.inputs.size();
    in.clear();
    for (int k : node.inputs) in.push_back(k == kInput ? last_input_ : &outputs_[static_cast<size_t>(k)]);
    temps.resize(m);
    gin.assign(m, nullptr);
    add_later.assign(m, 0);
    for (size_t j = 0; j < m; ++j) {
      int k = node.inputs[j];
      if (k == kInput) continue;  // no gradient for the images
      auto ku = static_cast<size_t>(k);
      if (has_grad[ku]) {
        gin[j] = &temps[j];
        add_later[j] = 1;
      } else {
        gin[j] = &grads_[ku];
        has_grad[ku] = 1;  // also makes a repeated input of this node go through temps
      }
    }
    node.layer->backward(in, outputs_[i], grads_[i], gin);
    for (size_t j = 0; j < m; ++j) {
      if (!add_later[j]) continue;
      auto& dst = grads_[static_cast<size_t>(node.inputs[j])];
      for (int64_t e = 0; e < dst.size(); ++e) dst[e] += temps[j][e];
    }
    // Free this node's gradient: nobody reads it again.
    grads_[i] = Tensor();
  }
}

void Model::zero_grad() {
  for (Parameter* p : parameters()) p->grad.zero();
}

void Model::reset_parameters(uint64_t seed) {
  Rng rng(seed);
  for (auto& node : nodes_) node.layer->reset_parameters(rng);
}

std::vector<std::pair<std::string, Parameter*>> Model::named_parameters() {
  std::vector<std::pair<std::string, Parameter*>> out;
  for (auto& node : nodes_)
    for (Parameter* p : node.layer->parameters()) out.emplace_back(node.name + "." + p->name, p);
  return out;
}

std::vector<Parameter*> Model::parameters() {
  std::vector<Parameter*> out;
  for (auto& node : nodes_)
    for (Parameter* p : node.layer->parameters()) out.push_back(p);
  return out;
}

std::vector<std::pair<std::string, Tensor*>> Model::named_buffers() {
  std::vector<std::pair<std::string, Tensor*>> out;
  for (auto& node : nodes_)
    for (auto& b : node.layer->buffers()) out.emplace_back(node.name + "." + b.first, b.second);
  return out;
}

int64_t Model::parameter_count() {
  int64_t n = 0;
  for (Parameter* p : parameters()) n += p->value.size();
  return n;
}

std::vector<Shape> Model::node_input_shapes(int index, const std::vector<Shape>& shapes, int64_t batch) const {
  std::vector<Shape> in;
  for (int k : nodes_[static_cast<size_t>(index)].inputs) {
    if (k == kInput) {
      Shape s = input_shape();
      s.insert(s.begin(), batch);
      in.push_back(s);
    } else {
      in.push_back(shapes[static_cast<size_t>(k)]);
    }
  }
  return in;
}

std::vector<Shape> Model::node_shapes(int64_t batch) const {
  std::vector<Shape> shapes;
  for (size_t i = 0; i < nodes_.size(); ++i)
    shapes.push_back(nodes_[i].layer->output_shape(node_input_shapes(static_cast<int>(i), shapes, batch)));
  return shapes;
}

}  // namespace mpq
