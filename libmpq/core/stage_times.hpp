// Where a long run's time went: one row per stage in the order the stages ran, with its
// wall time and its work in units that do not depend on the machine's load (evaluations,
// training batches, validation images), so that runs on a shared or busy machine can still
// be compared, and stages a resumed run found already done marked as such.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpq {

struct WorkUnits {
  int64_t evaluations = 0;    // candidate policies scored
  int64_t train_batches = 0;  // training / fine-tune batches (forward + backward + update)
  int64_t val_images = 0;     // images through an evaluation-mode forward pass

  WorkUnits& operator+=(const WorkUnits& o);
  WorkUnits operator-(const WorkUnits& o) const;
  bool empty() const { return evaluations == 0 && train_batches == 0 && val_images == 0; }
};

enum class StageStatus { ran, skipped, resumed };

struct StageTime {
  std::string name;
  double seconds = 0;
  WorkUnits work;
  StageStatus status = StageStatus::ran;  // skipped: a previous run had finished it
  std::string note;                       // e.g. "2 epochs", "of which 12.3 s evaluations"
};

const char* stage_status_name(StageStatus s);

// A fixed-width text table of the stages with a total row (seconds and work summed).
std::string stage_table(const std::vector<StageTime>& stages);

}  // namespace mpq
