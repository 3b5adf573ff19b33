#include "libmpq/export/kernel_variants.hpp"

#include <algorithm>
#include <tuple>

#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/blob_header.hpp"

namespace mpq {

namespace {

auto key(const rt::OpVariant& v) { return std::make_tuple(v.kernel, v.input_bits, v.weight_bits, v.output_bits); }

}  // namespace

std::vector<rt::OpVariant> kernel_variants(const std::vector<rt::OpRecord>& records) {
  std::vector<rt::OpVariant> out;
  for (const rt::OpRecord& r : records) out.push_back(rt::op_variant(r));
  std::sort(out.begin(), out.end(), [](const rt::OpVariant& a, const rt::OpVariant& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<rt::OpVariant> blob_kernel_variants(const std::vector<uint8_t>& blob) {
  const rt::BlobHeader h = rt::decode_blob_header(blob.data());
  std::vector<rt::OpRecord> records;
  for (uint32_t i = 0; i < h.op_count; ++i)
    records.push_back(rt::decode_op_record(blob.data() + h.ops_offset + i * blob::kOpRecordBytes));
  return kernel_variants(records);
}

std::string op_variant_name(const rt::OpVariant& variant) {
  char name[64];
  return rt::op_variant_name(variant, name, sizeof name);
}

}  // namespace mpq
