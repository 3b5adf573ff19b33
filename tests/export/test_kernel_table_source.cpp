// The kernel table `mpq export --c-source` writes beside the blob (blob_c_source): for the
// default model at uniform and mixed policies it lists exactly the variants of the blob's
// ops, each once, each under the name of its function in libmpq_fw (mpq_fw_all_kernels'
// entry of the same variant), and the header declares it.
#include <boost/test/unit_test.hpp>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "libmpq/export/blob_c_source.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/blob_header.hpp"
#include "libmpq/runtime/kernel_table.hpp"
#include "tests/export/default_model.hpp"

namespace {

// The op variants the blob's records name, as "convolve_i8_w8_o8", straight from the records.
std::set<std::string> variants_of_records(const std::vector<uint8_t>& blob) {
  const mpq::rt::BlobHeader h = mpq::rt::decode_blob_header(blob.data());
  std::set<std::string> names;
  char name[64];
  for (uint32_t i = 0; i < h.op_count; ++i) {
    const mpq::rt::OpRecord r =
        mpq::rt::decode_op_record(blob.data() + h.ops_offset + i * mpq::blob::kOpRecordBytes);
    names.insert(mpq::rt::op_variant_name(mpq::rt::op_variant(r), name, sizeof name));
  }
  return names;
}

// all_kernels' entries by their variant's name.
std::map<std::string, const mpq_fw_kernel*> all_by_name() {
  std::map<std::string, const mpq_fw_kernel*> out;
  const mpq::rt::KernelTable& all = mpq::rt::all_kernels();
  char name[64];
  for (uint32_t k = 0; k < all.count; ++k) {
    const mpq_fw_kernel& e = all.kernels[k];
    mpq::rt::OpVariant v;
    v.kernel = static_cast<mpq::rt::OpKernel>(e.op_kernel);
    v.input_bits = e.input_bits;
    v.weight_bits = e.weight_bits;
    v.output_bits = e.output_bits;
    out[mpq::rt::op_variant_name(v, name, sizeof name)] = &e;
  }
  return out;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void check_table(const std::vector<uint8_t>& blob, const char* label) {
  const std::string source = mpq::blob_c_source(blob, "model_x", "model_x.h");
  const std::regex entry(
      R"(\{MPQ_FW_OP_(\w+), (\d), (\d), (\d), mpq_fw_op_(\w+), MPQ_FW_REFERENCE_KERNEL\(mpq_fw_op_(\w+)_ref\)\},)");
  const std::map<std::string, const mpq_fw_kernel*> all = all_by_name();
  std::vector<std::string> listed;
  for (auto it = std::sregex_iterator(source.begin(), source.end(), entry); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    const std::string name = m[5];
    BOOST_TEST(m[6] == name, label);
    const auto found = all.find(name);
    BOOST_REQUIRE_MESSAGE(found != all.end(), label << ": " << name << " is no variant of libmpq_fw");
    const mpq_fw_kernel& e = *found->second;
    // The entry's fields are those of the variant its function serves.
    BOOST_TEST(upper(mpq::rt::op_kernel_name(static_cast<mpq::rt::OpKernel>(e.op_kernel))) == m[1].str(), label);
    BOOST_TEST(std::stoi(m[2]) == e.input_bits, label);
    BOOST_TEST(std::stoi(m[3]) == e.weight_bits, label);
    BOOST_TEST(std::stoi(m[4]) == e.output_bits, label);
    listed.push_back(name);
  }
  const std::set<std::string> unique(listed.begin(), listed.end());
  BOOST_TEST(unique.size() == listed.size(), label << ": a variant is listed twice");
  BOOST_TEST(unique == variants_of_records(blob), label);
  BOOST_TEST(source.find("const mpq_fw_kernel_table model_x_kernels = {model_x_kernel_list, " +
                         std::to_string(listed.size()) + "u};") != std::string::npos,
             label);
  const std::string header = mpq::blob_c_header("model_x");
  BOOST_TEST(header.find("#include \"libmpq/runtime/mpq_fw_kernels.h\"") != std::string::npos);
  BOOST_TEST(header.find("extern const mpq_fw_kernel_table model_x_kernels;") != std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(kernel_table_source)

BOOST_FIXTURE_TEST_CASE(the_generated_table_lists_exactly_the_blobs_variants, mpq::test::DefaultModel) {
  std::set<std::string> seen;
  for (int bits : {8, 4, 2}) {
    const std::vector<uint8_t> blob = export_blob(mpq::uniform_policy(graph, bits, bits));
    check_table(blob, ("uniform " + std::to_string(bits)).c_str());
    for (const std::string& v : variants_of_records(blob)) seen.insert(v);
  }
  const std::vector<uint8_t> mixed =
      export_blob(mpq::load_policy(std::string(MPQ_POLICIES_DIR) + "/mobilenet_v1_0.25_hand_mixed.json"));
  check_table(mixed, "hand mixed");
  // The policies differ in their variants: a table per blob, not one for every model.
  BOOST_TEST(variants_of_records(mixed).size() < seen.size());
}

BOOST_AUTO_TEST_SUITE_END()
