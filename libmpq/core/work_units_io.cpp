#include "libmpq/core/work_units_io.hpp"

namespace mpq {

void write_work_units(ByteWriter& w, const WorkUnits& work) {
  w.i64(work.evaluations);
  w.i64(work.train_batches);
  w.i64(work.val_images);
}

WorkUnits read_work_units(ByteReader& r) {
  WorkUnits work;
  work.evaluations = r.i64("evaluations");
  work.train_batches = r.i64("training batches");
  work.val_images = r.i64("validation images");
  return work;
}

}  // namespace mpq
