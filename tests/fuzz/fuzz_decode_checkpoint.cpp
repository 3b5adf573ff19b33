// decode_checkpoint (libmpq/nn, .mpqc) on arbitrary bytes, the CRC repaired so that the
// mutations reach the payload. A checkpoint that decodes must re-encode to the same
// bytes, and restoring it into a model and an optimizer either works or throws mpq::Error
// (what `mpq train --resume` and `mpq finetune` do with it).
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/nn/checkpoint.hpp"
#include "nn/tiny_model.hpp"

namespace {
constexpr size_t kHeaderBytes = 20;  // magic, version, payload size, CRC-32 of the payload
constexpr size_t kCrcOffset = 16;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  mpq::fuzz::repair_crc32(bytes, kCrcOffset, kHeaderBytes, bytes.size());
  mpq::Checkpoint ckpt;
  try {
    ckpt = mpq::decode_checkpoint(bytes, "fuzz.mpqc");
  } catch (const mpq::Error&) {
    return 0;
  }
  if (mpq::encode_checkpoint(ckpt) != bytes)
    mpq::fuzz::fail("decode_checkpoint: a checkpoint that loads re-saves to other bytes");

  static mpq::Model model = mpq::test::tiny_model();
  static mpq::Adam adam(model.parameters());
  try {
    mpq::restore_model(ckpt, model, "fuzz.mpqc");
  } catch (const mpq::Error&) {
  }
  try {
    mpq::restore_optimizer(ckpt, adam, "fuzz.mpqc");
  } catch (const mpq::Error&) {
  }
  return 0;
}
