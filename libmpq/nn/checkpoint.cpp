#include "libmpq/nn/checkpoint.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/crc32.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/core/frame.hpp"
#include "libmpq/nn/model_graph.hpp"

namespace mpq {

namespace {
// Version 1: a built-in model (arch name and knobs). Version 2 adds the stored graph
// after the spec, for arch kGraphArch only; built-in checkpoints keep being written as
// version 1, byte for byte as before.
constexpr FrameLayout kCheckpointFrame{"checkpoint", "MPQC", MagicForm::bytes, /*payload_size=*/true,
                                       CrcPlace::header, kCheckpointVersion, /*oldest_version=*/1};
constexpr FrameLayout kBuiltinCheckpointFrame{"checkpoint", "MPQC", MagicForm::bytes, /*payload_size=*/true,
                                              CrcPlace::header, 1};
}  // namespace

const Tensor* Checkpoint::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.first == name) return &t.second;
  return nullptr;
}

std::string Checkpoint::meta_or(const std::string& key, const std::string& fallback) const {
  auto it = meta.find(key);
  return it == meta.end() ? fallback : it->second;
}

int64_t Checkpoint::meta_count(const std::string& key, int64_t max, const std::string& what) const {
  auto it = meta.find(key);
  if (it == meta.end()) return 0;
  const std::string& text = it->second;
  int64_t v = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0 || v > max)
    throw Error(what + ": metadata '" + key + "' is '" + text.substr(0, 40) + "', expected a whole number 0.." +
                std::to_string(max));
  return v;
}

std::string encode_checkpoint(const Checkpoint& ckpt) {
  ByteWriter p;
  p.str(ckpt.spec.arch);
  p.f32(ckpt.spec.width);
  p.i64(ckpt.spec.in_channels);
  p.i64(ckpt.spec.in_height);
  p.i64(ckpt.spec.in_width);
  p.i64(ckpt.spec.classes);
  p.u8(ckpt.spec.small_input ? 1 : 0);
  const bool graph = ckpt.spec.is_graph();
  if (graph) {
    require(ckpt.spec.graph != nullptr, "checkpoint of model " + ckpt.spec.to_string() + ": its graph is missing");
    encode_graph(p, *ckpt.spec.graph);
  }
  p.u32(static_cast<uint32_t>(ckpt.meta.size()));
  for (const auto& kv : ckpt.meta) {
    p.str(kv.first);
    p.str(kv.second);
  }
  p.u32(static_cast<uint32_t>(ckpt.tensors.size()));
  for (const auto& t : ckpt.tensors) {
    p.str(t.first);
    p.u32(static_cast<uint32_t>(t.second.rank()));
    for (int64_t d : t.second.shape()) p.i64(d);
    p.floats(t.second.data(), static_cast<size_t>(t.second.size()));
  }
  return frame(graph ? kCheckpointFrame : kBuiltinCheckpointFrame, p.bytes());
}

Checkpoint decode_checkpoint(const std::string& bytes, const std::string& what) {
  const FramePayload payload = unframe(kCheckpointFrame, bytes, what);
  ByteReader r(bytes, what, payload.begin, payload.end);
  Checkpoint c;
  c.spec.arch = r.str("model arch");
  c.spec.width = r.f32("model width");
  c.spec.in_channels = r.i64("input channels");
  c.spec.in_height = r.i64("input height");
  c.spec.in_width = r.i64("input width");
  c.spec.classes = r.i64("classes");
  c.spec.small_input = r.flag("small-input flag");
  validate_model_spec(c.spec, what);
  if (c.spec.is_graph() != (payload.version >= 2))
    throw Error(what + ": model '" + c.spec.arch.substr(0, 40) + "' in a version " + std::to_string(payload.version) +
                " checkpoint (version 2 holds arch '" + kGraphArch + "' with its graph, version 1 any other)");
  if (c.spec.is_graph()) {
    if (c.spec.width != 1.f || c.spec.small_input)
      throw Error(what + ": a stored graph's width and small-input flag are 1 and 0");
    const size_t start = r.position();
    ModelGraph g = decode_graph(r, what, static_cast<int64_t>(r.remaining() / 4));
    c.spec.graph_fingerprint = crc32(bytes.data() + start, r.position() - start);
    c.spec.graph = std::make_shared<const ModelGraph>(std::move(g));
    build_graph_model(c.spec, what);  // shapes chain and end in [N, classes]
  }
  // Keys as encode_checkpoint writes them (the map's order, each once), so that a
  // checkpoint that loads saves back to the same bytes and no value hides behind another.
  const uint32_t metas = r.u32("metadata count");
  for (uint32_t i = 0; i < metas; ++i) {
    std::string k = r.str("metadata key");
    if (!c.meta.empty() && !(c.meta.rbegin()->first < k))
      throw Error(what + ": metadata key '" + k + "' repeated or out of order (expected sorted keys, each once)");
    c.meta.emplace_hint(c.meta.end(), std::move(k), r.str("metadata value"));
  }
  const uint32_t count = r.u32("tensor count");
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = r.str("tensor name");
    const uint32_t rank = r.u32("tensor rank");
    if (rank > 8) throw Error(what + ": tensor '" + name + "' has rank " + std::to_string(rank) + " (at most 8)");
    Shape shape(rank);
    for (auto& d : shape) {
      d = r.i64("tensor dimension");
      if (d < 0 || static_cast<uint64_t>(d) > r.remaining()) throw Error(what + ": tensor '" + name + "' has a bad dimension");
    }
    // Each dimension is at most the bytes left, so a product past them is caught before
    // it can wrap around: 65536^4 with no data is a file that lies, not an empty tensor.
    uint64_t elements = std::find(shape.begin(), shape.end(), 0) != shape.end() ? 0 : 1;
    for (int64_t d : shape) {
      if (elements == 0) break;
      if (elements > r.remaining() / 4 / static_cast<uint64_t>(d))
        throw Error(what + ": tensor '" + name + "' of shape " + shape_to_string(shape) +
                    " runs past the end of the file");
      elements *= static_cast<uint64_t>(d);
    }
    Tensor t(shape);
    r.floats(t.data(), elements, "tensor data");
    c.tensors.emplace_back(std::move(name), std::move(t));
  }
  if (r.remaining() != 0) throw Error(what + ": " + std::to_string(r.remaining()) + " unexpected bytes after the tensors");
  return c;
}

void save_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  write_file_atomically(path, encode_checkpoint(ckpt));
}

Checkpoint load_checkpoint(const std::string& path) { return decode_checkpoint(read_file(path), path); }

void capture_model(Model& model, Checkpoint& ckpt) {
  ckpt.spec = model.spec();
  for (auto& p : model.named_parameters()) ckpt.tensors.emplace_back(p.first, p.second->value);
  for (auto& b : model.named_buffers()) ckpt.tensors.emplace_back(b.first, *b.second);
}

void capture_optimizer(Optimizer& optimizer, Checkpoint& ckpt) {
  for (auto& s : optimizer.state()) ckpt.tensors.emplace_back("optimizer." + s.first, *s.second);
  ckpt.meta["optimizer.steps"] = std::to_string(optimizer.steps());
}

namespace {
bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void copy_into(const Checkpoint& ckpt, const std::string& name, Tensor& dst, const std::string& what) {
  const Tensor* src = ckpt.find(name);
  if (!src) throw Error(what + ": missing tensor '" + name + "'");
  if (src->shape() != dst.shape())
    throw Error(what + ": tensor '" + name + "' has shape " + shape_to_string(src->shape()) + ", the model expects " +
                shape_to_string(dst.shape()));
  // No weight, statistic, clip or optimizer moment is meaningful as NaN or infinity, and
  // quantizing one is undefined behaviour; a variance below zero has no square root.
  const bool variance = ends_with(name, ".running_var");
  for (int64_t i = 0; i < src->size(); ++i) {
    const float v = (*src)[i];
    if (!std::isfinite(v) || (variance && v < 0.f))
      throw Error(what + ": tensor '" + name + "' holds " + std::to_string(v) + " at index " + std::to_string(i) +
                  (variance ? ", expected a finite variance >= 0" : ", expected a finite number"));
  }
  dst = *src;
}
}  // namespace

void restore_model(const Checkpoint& ckpt, Model& model, const std::string& what) {
  for (auto& p : model.named_parameters()) copy_into(ckpt, p.first, p.second->value, what);
  for (auto& b : model.named_buffers()) copy_into(ckpt, b.first, *b.second, what);
}

void restore_optimizer(const Checkpoint& ckpt, Optimizer& optimizer, const std::string& what) {
  for (auto& s : optimizer.state()) copy_into(ckpt, "optimizer." + s.first, *s.second, what);
  optimizer.set_steps(ckpt.meta_count("optimizer.steps", kMaxOptimizerSteps, what));
}

}  // namespace mpq
