#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>

#include "libmpq/nn/model.hpp"

namespace mpq {

// The outputs of one distillation teacher for batches it has seen. A search fine-tunes
// every candidate on the same batches (one seed), and the float teacher's logits of a
// batch never change, so the teacher runs once per batch per search instead of once per
// batch per candidate. Exact: an entry answers only images equal to its own bit for bit.
// Holds at most max_bytes of images and logits; batches beyond that are inferred as
// without the cache.
class TeacherLogitsCache {
 public:
  explicit TeacherLogitsCache(Model& teacher, int64_t max_bytes = int64_t{256} << 20);
  // teacher.infer(images), or the logits it gave for these images before (valid until
  // the next call, as infer()'s).
  const Tensor& logits(const Tensor& images);
  int64_t hits() const { return hits_; }
  Model& teacher() { return teacher_; }

 private:
  struct Entry {
    Tensor images, logits;
  };
  Model& teacher_;
  int64_t max_bytes_, bytes_ = 0, hits_ = 0;
  std::deque<Entry> entries_;  // a deque: answers stay where they are as it grows
  std::unordered_multimap<uint64_t, size_t> by_hash_;  // FNV-1a of the images' bytes -> entry
};

}  // namespace mpq
