// decode_safetensors (libmpq/io, `mpq import --weights`) on arbitrary bytes. A file that
// decodes must encode to a file that decodes to the same tensors and metadata (encoding
// reorders the data, so the comparison is by name) and encodes again to the same bytes;
// every float tensor converts to exactly as many floats as its shape holds.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/io/safetensors.hpp"

namespace {

bool same_tensor(const mpq::SafetensorsTensor& a, const mpq::SafetensorsTensor& b) {
  return a.name == b.name && a.dtype == b.dtype && a.shape == b.shape && a.data == b.data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  mpq::SafetensorsFile file;
  try {
    file = mpq::decode_safetensors(bytes, "fuzz.safetensors");
  } catch (const mpq::Error&) {
    return 0;
  }
  const std::string encoded = mpq::encode_safetensors(file);
  mpq::SafetensorsFile again;
  try {
    again = mpq::decode_safetensors(encoded, "encoded");
  } catch (const mpq::Error& e) {
    mpq::fuzz::fail(std::string("decode_safetensors: the encoding of a decoded file does not decode: ") + e.what());
  }
  if (again.tensors.size() != file.tensors.size() || again.metadata != file.metadata)
    mpq::fuzz::fail("decode_safetensors: re-encoding changed the tensor count or the metadata");
  for (const auto& t : file.tensors) {
    const mpq::SafetensorsTensor* u = again.find(t.name);
    if (u == nullptr || !same_tensor(t, *u))
      mpq::fuzz::fail("decode_safetensors: re-encoding changed tensor '" + t.name + "'");
  }
  if (mpq::encode_safetensors(again) != encoded) mpq::fuzz::fail("encode_safetensors: not deterministic");
  for (const auto& t : file.tensors) {
    if (!mpq::is_float_dtype(t.dtype)) continue;
    const size_t floats = mpq::safetensors_to_floats(t, "fuzz.safetensors").size();
    if (floats * mpq::safetensors_dtype_size(t.dtype) != t.data.size())
      mpq::fuzz::fail("safetensors_to_floats: a float count that does not match the tensor's bytes");
  }
  return 0;
}
