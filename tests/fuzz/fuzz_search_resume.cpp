// PolicySearch::resume (libmpq/search, `mpq search`'s state file) on arbitrary bytes, the
// CRC repaired: it resumes or throws mpq::Error; a resumed search's records and best
// policies are usable (what the report and `mpq finetune --policy` then read).
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "fuzz/search_setup.hpp"
#include "libmpq/core/error.hpp"

namespace {
constexpr size_t kHeaderBytes = 12;  // magic, version, CRC-32 of the rest
constexpr size_t kCrcOffset = 8;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mpq::fuzz::SearchSetup setup;
  static mpq::PolicyEvaluator evaluator(setup.ckpt, "fuzz.mpqc", setup.train, setup.val, setup.eval);
  static mpq::fuzz::MemoryFile file;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  mpq::fuzz::repair_crc32(bytes, kCrcOffset, kHeaderBytes, bytes.size());
  file.write(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  mpq::PolicySearch search(setup.space, setup.budget, evaluator, setup.options(file.path()));
  try {
    search.resume();
  } catch (const mpq::Error&) {
    return 0;
  }
  for (const char* phase : {"agent", "random"}) {
    if (search.best_accuracy(phase) < 0) continue;
    try {
      mpq::validate_policy(search.best_policy(phase), setup.graph, "fuzz.state");
    } catch (const mpq::Error&) {
    }
  }
  (void)search.finished();
  return 0;
}
