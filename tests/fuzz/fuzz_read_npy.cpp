// parse_npy and parse_npz (libmpq/data, NumPy data sets) on arbitrary bytes: they read or
// throw mpq::Error, and every array read holds exactly the bytes its shape and dtype say.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/npy_array.hpp"
#include "libmpq/data/npz_archive.hpp"

namespace {
void check(const mpq::NpyArray& a, const char* what) {
  if (a.shape.size() > static_cast<size_t>(mpq::kMaxNpyDims))
    mpq::fuzz::fail(std::string(what) + ": more dimensions than the limit");
  if (a.bytes.size() != static_cast<uint64_t>(a.elements()) * static_cast<uint64_t>(mpq::npy_item_bytes(a.type)))
    mpq::fuzz::fail(std::string(what) + ": data of another size than shape x item size");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    check(mpq::parse_npy(std::string(bytes), "fuzz.npy"), "parse_npy");
  } catch (const mpq::Error&) {
  }
  try {
    for (const auto& [name, array] : mpq::parse_npz(bytes, "fuzz.npz")) check(array, "parse_npz");
  } catch (const mpq::Error&) {
  }
  return 0;
}
