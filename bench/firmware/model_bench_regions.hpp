// The regions of the whole-model benchmark firmwares (model_bench.cpp for the fixture
// models, exported_model_bench.cpp for models given with -Dbench_models): each call runs
// between bench_begin() and bench_end(), the markers the qemu-icount plugin counts
// instructions between, and prints "region i <model> <call> <MACs>" (call: load, fast or
// reference), the lines icount_table.py --model-table joins with the counts.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "libmpq/runtime/runtime.hpp"

extern "C" void bench_begin();
extern "C" void bench_end();

namespace mpq::bench {

// Region 0: the markers alone, what every other region's count includes.
void bench_marker_overhead();

// Prints the next region's line, after an error line when `s` is not ok.
void report_region(const char* model, const char* call, uint32_t macs, rt::Status s);
// Prints the error line of a blob that is not one or whose arena is over `arena_bytes`.
void report_unfit_blob(const char* model, uint32_t arena_bytes);

// bench_load and bench_runs are inline so that a region holds the calls as the firmware's
// own code would make them, its arena's address and size constants (out of line they are
// arguments to reload: a region counted 1 or 2 instructions more).

// Checks that `blob` is a blob whose arena fits in `arena`, then loads it in a region of
// its own ("load"). False, after an error line, when either fails.
inline bool bench_load(const char* name, const uint8_t* blob, uint32_t blob_bytes, uint32_t macs, uint8_t* arena,
                       uint32_t arena_bytes, rt::ModelView* model) {
  rt::BlobMemory memory{};
  if (rt::query_blob_memory(blob, blob_bytes, &memory) != rt::Status::ok || memory.arena_bytes > arena_bytes) {
    report_unfit_blob(name, arena_bytes);
    return false;
  }
  bench_begin();
  const rt::Status s = rt::load_model(blob, blob_bytes, arena, arena_bytes, model);
  bench_end();
  report_region(name, "load", macs, s);
  return s == rt::Status::ok;
}

// A streamed input's reader over the image in FLASH (the copy a camera driver would make).
struct ImageSource {
  const uint8_t* image;
  uint32_t width, channels;
};

inline int read_image_window(void* user, uint16_t row, uint16_t rows, uint16_t col, uint16_t cols, uint8_t* pixels) {
  const ImageSource& s = *static_cast<const ImageSource*>(user);
  const uint32_t row_bytes = static_cast<uint32_t>(cols) * s.channels;
  for (uint32_t r = 0; r < rows; ++r)
    for (uint32_t b = 0; b < row_bytes; ++b)
      pixels[r * row_bytes + b] = s.image[((static_cast<uint32_t>(row) + r) * s.width + col) * s.channels + b];
  return 0;
}

// Runs the loaded model on `input` with the device's kernels ("fast"), then with the
// reference kernels ("reference"), a region each; a blob that streams its input reads it
// through read_image_window (counted in the region). False when either run fails.
inline bool bench_runs(const char* name, const rt::ModelView& model, const uint8_t* input, uint32_t macs,
                       uint8_t* arena, uint32_t arena_bytes) {
  bool ok = true;
  ImageSource source{input, model.input_w, model.input_c};
  rt::InputStream stream;
  stream.read = read_image_window;
  stream.user = &source;
  for (rt::KernelVariant variant : {rt::KernelVariant::fast, rt::KernelVariant::reference}) {
    bench_begin();
    const rt::Status s = model.patch.stream_input ? rt::run_model(model, stream, arena, arena_bytes, variant)
                                                  : rt::run_model(model, input, arena, arena_bytes, variant);
    bench_end();
    report_region(name, variant == rt::KernelVariant::fast ? "fast" : "reference", macs, s);
    ok = ok && s == rt::Status::ok;
  }
  return ok;
}

}  // namespace mpq::bench
