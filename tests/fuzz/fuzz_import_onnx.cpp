// import_onnx (libmpq/io, `mpq import --onnx`) on arbitrary bytes. A model that imports
// must give a checkpoint that saves, loads back to the same bytes, and restores into the
// model its graph builds: what every command then does with it.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/io/onnx_import.hpp"
#include "libmpq/nn/model_builders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  mpq::Checkpoint ckpt;
  try {
    ckpt = mpq::import_onnx(bytes, "fuzz.onnx", {});
  } catch (const mpq::Error&) {
    return 0;
  }
  const std::string saved = mpq::encode_checkpoint(ckpt);
  try {
    const mpq::Checkpoint back = mpq::decode_checkpoint(saved, "fuzz.mpqc");
    if (mpq::encode_checkpoint(back) != saved) mpq::fuzz::fail("import_onnx: its checkpoint re-saves to other bytes");
    mpq::Model model = mpq::build_model(back.spec, 1);
    mpq::restore_model(back, model, "fuzz.mpqc");
  } catch (const mpq::Error& e) {
    mpq::fuzz::fail(std::string("import_onnx: its checkpoint does not load: ") + e.what());
  }
  return 0;
}
