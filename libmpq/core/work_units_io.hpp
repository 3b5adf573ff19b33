// WorkUnits in the project's binary encoding, for results sent between ranks: one writer
// and one reader so that the fields and their order are defined once.
#pragma once

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/stage_times.hpp"

namespace mpq {

void write_work_units(ByteWriter& w, const WorkUnits& work);
WorkUnits read_work_units(ByteReader& r);

}  // namespace mpq
