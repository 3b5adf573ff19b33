// PolicySearch::resume (libmpq/search, `mpq search`'s state file) on arbitrary bytes, the
// CRC repaired: it resumes or throws mpq::Error and leaves the search as it was; a resumed
// search's records and best policies are usable (what the report and `mpq finetune
// --policy` then read).
// One search serves every input: building one (the budget's feasibility check, the agent)
// took most of an input's time when it was built per input, and resume() replaces all of
// the state or none of it, so each input is read as a new search would read it.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "fuzz/search_setup.hpp"
#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/search/episode_record.hpp"

namespace {
constexpr size_t kHeaderBytes = 12;  // magic, version, CRC-32 of the rest
constexpr size_t kCrcOffset = 8;

// What a caller sees of the search (records, best policies and accuracies) and of its
// evaluator's cached scores, as bytes, so that a NaN read from a state equals itself. The
// agent and the generators are not visible; resume() loads the agent last (all or
// nothing itself: fuzz_ddpg_load_state), and tests/search compares whole state files.
// The state file's own bytes (state_bytes) would print both best policies as JSON for
// every input, about three times the time of all the rest.
std::string observable_state(const mpq::PolicySearch& search, mpq::PolicyEvaluator& evaluator) {
  mpq::ByteWriter w;
  w.u32(static_cast<uint32_t>(search.records().size()));
  for (const mpq::EpisodeRecord& r : search.records()) mpq::write_episode_record(w, r);
  for (const char* phase : {"agent", "random"}) {
    w.f64(search.best_accuracy(phase));
    if (!(search.best_accuracy(phase) >= 0)) continue;
    const mpq::Policy& p = search.best_policy(phase);
    w.str(p.spec.to_string());
    w.u32(static_cast<uint32_t>(p.layers.size()));
    for (const mpq::LayerBits& l : p.layers) {
      w.str(l.name);
      w.str(l.kind);
      w.i64(l.w_bits);
      w.i64(l.a_bits);
    }
  }
  for (const auto* scores : {&evaluator.cache(), &evaluator.rejected()}) {
    w.u32(static_cast<uint32_t>(scores->size()));
    for (const auto& kv : *scores) {
      w.str(kv.first);
      w.f64(kv.second);
    }
  }
  return std::move(w.bytes());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mpq::fuzz::SearchSetup setup;
  static mpq::PolicyEvaluator evaluator(setup.ckpt, "fuzz.mpqc", setup.train, setup.val, setup.eval);
  static mpq::fuzz::MemoryFile file;
  static mpq::PolicySearch search(setup.space, setup.budget, evaluator, setup.options(file.path()));
  static std::string before = observable_state(search, evaluator);
  std::string bytes(reinterpret_cast<const char*>(data), size);
  mpq::fuzz::repair_crc32(bytes, kCrcOffset, kHeaderBytes, bytes.size());
  file.write(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  try {
    search.resume();
  } catch (const mpq::Error&) {
    if (observable_state(search, evaluator) != before)
      mpq::fuzz::fail("PolicySearch::resume: a refused state changed the search");
    return 0;
  }
  before = observable_state(search, evaluator);
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
