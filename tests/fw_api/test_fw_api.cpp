// The C API (mpq_fw.h), called from C99 code (fw_api_calls.c), gives what the C++ runtime
// gives on real exported blobs (the default model, calibrated, at two policies): the same
// memory, input and output parameters, codes, scores and class, with the fast and the
// reference kernels; and every failure comes back as the runtime's status, by name.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/quant/op_records.hpp"
#include "libmpq/runtime/runtime.hpp"
#include "tests/export/default_model.hpp"
#include "tests/fw_api/fw_api_calls.h"

using namespace mpq;

namespace {

constexpr uint32_t kCodeCapacity = 16;

// An 8-byte aligned buffer of at least `bytes` bytes, as firmware declares its arena.
struct Arena {
  explicit Arena(uint32_t bytes) : words((bytes + 7) / 8 + 1), size(bytes) {}
  uint8_t* data() { return reinterpret_cast<uint8_t*>(words.data()); }
  std::vector<uint64_t> words;
  uint32_t size;
};

// The C++ runtime's answer for one image: codes and scores.
struct CppOutput {
  std::vector<int32_t> codes;
  std::vector<float> scores;
};

CppOutput run_cpp(const std::vector<uint8_t>& blob, const uint8_t* image) {
  rt::BlobMemory need{};
  BOOST_REQUIRE(rt::query_blob_memory(blob.data(), static_cast<uint32_t>(blob.size()), &need) == rt::Status::ok);
  Arena arena(need.arena_bytes);
  rt::ModelView view;
  BOOST_REQUIRE(rt::load_model(blob.data(), static_cast<uint32_t>(blob.size()), arena.data(), arena.size, &view) ==
                rt::Status::ok);
  BOOST_REQUIRE(rt::run_model(view, image, arena.data(), arena.size) == rt::Status::ok);
  CppOutput out{std::vector<int32_t>(view.classes), std::vector<float>(view.classes)};
  BOOST_REQUIRE(rt::unpack_output(view, arena.data(), out.codes.data(), view.classes) == rt::Status::ok);
  BOOST_REQUIRE(rt::dequantize_output(view, out.codes.data(), out.scores.data(), view.classes) == rt::Status::ok);
  return out;
}

// Blob bytes edited at `offset` with the CRC recomputed, so that the edit reaches the
// checks behind the checksum.
std::vector<uint8_t> edited(std::vector<uint8_t> blob, uint32_t offset, uint8_t value) {
  blob[offset] = value;
  const uint32_t crc =
      rt::crc32(blob.data() + blob::kHeaderBytes, static_cast<uint32_t>(blob.size()) - blob::kHeaderBytes);
  for (uint32_t i = 0; i < 4; ++i) blob[blob::header::crc32 + i] = static_cast<uint8_t>(crc >> (8 * i));
  return blob;
}

// A copy of `blob` in 8-byte aligned storage, as `mpq export --c-source` places it.
struct AlignedBlob {
  explicit AlignedBlob(const std::vector<uint8_t>& bytes)
      : storage((bytes.size() + 7) / 8), size(static_cast<uint32_t>(bytes.size())) {
    std::memcpy(storage.data(), bytes.data(), bytes.size());
  }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(storage.data()); }
  std::vector<uint64_t> storage;
  uint32_t size;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(fw_api)

// A blob exported with a streamed input, run from C99 with a reader written in C, gives
// the codes of the same policy's blob with the whole input (no stage), fast and reference;
// mpq_fw_run refuses it.
BOOST_FIXTURE_TEST_CASE(c_reader_runs_a_streamed_blob_like_the_whole_input, test::DefaultModel) {
  const std::vector<uint8_t> pixels = test::synthetic_pixels(spec, 2, 91);
  const uint32_t image_bytes = static_cast<uint32_t>(spec.in_height * spec.in_width * spec.in_channels);
  for (const auto& [w_bits, a_bits] : {std::pair{8, 8}, std::pair{4, 4}}) {
    const Policy policy = uniform_policy(graph, w_bits, a_bits);
    Model fq = fake_quant(policy);
    const rt::PatchStage stage = choose_patch_stage(op_records(graph, policy), 0.2, true);
    BOOST_REQUIRE(stage.present() && stage.stream_input);
    const std::vector<uint8_t> plain = export_blob(fq, policy);
    const std::vector<uint8_t> blob = export_blob(fq, policy, stage);
    const MemoryReport report = memory_report(op_records(graph, policy), stage);
    for (uint32_t i = 0; i < 2; ++i) {
      const uint8_t* image = pixels.data() + i * image_bytes;
      const CppOutput cpp = run_cpp(plain, image);
      for (mpq_fw_kernels kernels : {MPQ_FW_KERNELS_FAST, MPQ_FW_KERNELS_REFERENCE}) {
        BOOST_TEST_CONTEXT("w" << w_bits << "a" << a_bits << " image " << i << " kernels " << kernels) {
          Arena arena(report.ram_bytes + static_cast<uint32_t>(blob.size()));  // the arena also serves the load
          std::vector<int32_t> codes(kCodeCapacity, -1);
          fw_api_c_result r{};
          mpq_fw_status image_run = MPQ_FW_OK;
          int streamed = 0;
          uint32_t reads = 0;
          fw_api_c_classify_streamed(blob.data(), static_cast<uint32_t>(blob.size()), image, arena.data(), arena.size,
                                     kernels, codes.data(), kCodeCapacity, &r, &image_run, &streamed, &reads);
          BOOST_REQUIRE_MESSAGE(r.status == MPQ_FW_OK, r.failed_call << ": " << mpq_fw_status_name(r.status));
          BOOST_TEST(r.memory.arena_bytes == report.ram_bytes);
          BOOST_TEST(image_run == MPQ_FW_INPUT_MODE_MISMATCH);
          BOOST_TEST(streamed == 1);
          BOOST_TEST(reads == static_cast<uint32_t>(stage.grid) * stage.grid);
          codes.resize(cpp.codes.size());
          BOOST_TEST(codes == cpp.codes, boost::test_tools::per_element());
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(c_and_cpp_lay_out_the_model_struct_alike) {
  BOOST_TEST(fw_api_c_model_bytes() == sizeof(mpq_fw_model));
  BOOST_TEST(sizeof(mpq_fw_model) == MPQ_FW_MODEL_BYTES);
  BOOST_TEST(fw_api_c_model_alignment() == alignof(mpq_fw_model));
}

BOOST_FIXTURE_TEST_CASE(c_calls_give_the_cpp_runtimes_results_on_exported_blobs, test::DefaultModel) {
  const std::vector<uint8_t> pixels = test::synthetic_pixels(spec, 4, 77);
  const uint32_t image_bytes = static_cast<uint32_t>(spec.in_height * spec.in_width * spec.in_channels);
  for (const auto& [w_bits, a_bits] : {std::pair{4, 4}, std::pair{2, 2}, std::pair{8, 8}}) {
    const std::vector<uint8_t> blob = export_blob(uniform_policy(graph, w_bits, a_bits));
    const std::string what = "w" + std::to_string(w_bits) + "a" + std::to_string(a_bits);
    rt::ModelView view;
    Arena cpp_arena(static_cast<uint32_t>(blob.size()));  // ample load scratch
    BOOST_REQUIRE(rt::load_model(blob.data(), static_cast<uint32_t>(blob.size()), cpp_arena.data(), cpp_arena.size,
                                 &view) == rt::Status::ok);
    std::set<std::vector<int32_t>> distinct;
    for (uint32_t i = 0; i < 4; ++i) {
      const uint8_t* image = pixels.data() + i * image_bytes;
      const CppOutput cpp = run_cpp(blob, image);
      for (mpq_fw_kernels kernels : {MPQ_FW_KERNELS_FAST, MPQ_FW_KERNELS_REFERENCE}) {
        BOOST_TEST_CONTEXT(what << " image " << i << (kernels == MPQ_FW_KERNELS_FAST ? " fast" : " reference")) {
          Arena arena(view.arena_bytes);  // exactly what the blob asks for
          std::vector<int32_t> codes(kCodeCapacity, -1);
          std::vector<float> scores(kCodeCapacity, -1.f);
          fw_api_c_result r{};
          fw_api_c_classify(blob.data(), static_cast<uint32_t>(blob.size()), image, arena.data(), arena.size, kernels,
                            codes.data(), scores.data(), kCodeCapacity, &r);
          BOOST_REQUIRE_MESSAGE(r.status == MPQ_FW_OK, r.failed_call << ": " << mpq_fw_status_name(r.status));
          BOOST_TEST(r.memory.arena_bytes == view.arena_bytes);
          BOOST_TEST(r.memory.arena_alignment == view.arena_alignment);
          BOOST_TEST(r.memory.load_scratch_bytes == rt::load_scratch_bytes(view.buffer_count));
          BOOST_TEST(r.arena_bytes == view.arena_bytes);
          BOOST_TEST(r.input.height == view.input_h);
          BOOST_TEST(r.input.width == view.input_w);
          BOOST_TEST(r.input.channels == view.input_c);
          BOOST_TEST(r.input.image_bytes == image_bytes);
          BOOST_TEST(r.input.code_bits == 8);
          BOOST_TEST(r.input.zero_point == rt::decode_op_record(view.ops).input_zero_point);
          BOOST_TEST(r.input.code_table == view.input_lut);
          BOOST_TEST(r.output.classes == view.classes);
          BOOST_TEST(r.output.code_bits == view.output_bits);
          BOOST_TEST(r.output.zero_point == view.output_zero_point);
          BOOST_TEST(r.output.scale == view.output_scale);
          codes.resize(view.classes);
          scores.resize(view.classes);
          BOOST_TEST(codes == cpp.codes, boost::test_tools::per_element());
          BOOST_TEST(scores == cpp.scores, boost::test_tools::per_element());
          uint32_t top = 0;
          for (uint32_t k = 1; k < view.classes; ++k)
            if (cpp.codes[k] > cpp.codes[top]) top = k;
          BOOST_TEST(r.top == top);
        }
      }
      distinct.insert(cpp.codes);
    }
    // Outputs that ignored the image would make the comparison prove little.
    BOOST_TEST(distinct.size() > 1, what);
  }
}

BOOST_FIXTURE_TEST_CASE(failures_come_back_as_the_runtimes_statuses, test::DefaultModel) {
  const std::vector<uint8_t> bytes = export_blob(uniform_policy(graph, 4, 4));
  const AlignedBlob blob(bytes);
  const std::vector<uint8_t> image = test::synthetic_pixels(spec, 1, 5);
  mpq_fw_memory need{};
  BOOST_REQUIRE(mpq_fw_query_memory(blob.data(), blob.size, &need) == MPQ_FW_OK);
  Arena arena(need.arena_bytes + 8);
  int32_t codes[kCodeCapacity];

  // The C calls on a blob the loader refuses, and the C++ loader on the same bytes.
  auto both_refuse = [&](const std::vector<uint8_t>& bad, mpq_fw_status want, const char* what) {
    const AlignedBlob b(bad);
    fw_api_c_result r{};
    float scores[kCodeCapacity];
    fw_api_c_classify(b.data(), b.size, image.data(), arena.data(), need.arena_bytes, MPQ_FW_KERNELS_FAST, codes,
                      scores, kCodeCapacity, &r);
    rt::ModelView view;
    rt::LoadError where;
    const rt::Status cpp = rt::load_model(b.data(), b.size, arena.data(), need.arena_bytes, &view, &where);
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(mpq_fw_status_name(r.status) == mpq_fw_status_name(want));
      BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(cpp));
      if (r.status != MPQ_FW_SIZE_MISMATCH) {
        BOOST_TEST(std::string(r.failed_call) == "mpq_fw_load");
        BOOST_TEST(r.load_error.op == where.op);
        BOOST_TEST(r.load_error.buffer == where.buffer);
        BOOST_TEST(r.load_error.kernel_status == static_cast<int32_t>(where.kernel_status));
      }
    }
    return r.load_error;
  };
  std::vector<uint8_t> flipped = bytes;
  flipped[bytes.size() - 1] ^= 0x40;
  both_refuse(flipped, MPQ_FW_CHECKSUM_MISMATCH, "a flipped weight byte");
  both_refuse(std::vector<uint8_t>(bytes.begin(), bytes.end() - 4), MPQ_FW_SIZE_MISMATCH, "a truncated blob");
  // Op 2's stride 0: its kernel's check refuses it, and the error names op 2.
  const uint32_t op2 = rt::decode_blob_header(bytes.data()).ops_offset + 2 * blob::kOpRecordBytes;
  const mpq_fw_load_error where = both_refuse(edited(bytes, op2 + blob::op::stride, 0), MPQ_FW_KERNEL_REJECTED,
                                              "op 2 with stride 0");
  BOOST_TEST(where.op == 2);
  BOOST_TEST(std::string(mpq_fw_kernel_status_name(where.kernel_status)) == "bad_stride");

  // A loaded model: the arguments run and the output calls check.
  mpq_fw_model model;
  BOOST_REQUIRE(mpq_fw_load(&model, blob.data(), blob.size, arena.data(), arena.size, nullptr) == MPQ_FW_OK);
  BOOST_TEST(mpq_fw_run(&model, image.data(), arena.data(), need.arena_bytes - 4) == MPQ_FW_ARENA_TOO_SMALL);
  BOOST_TEST(mpq_fw_run(&model, image.data(), arena.data() + 2, need.arena_bytes) == MPQ_FW_MISALIGNED_ARENA);
  BOOST_TEST(mpq_fw_run(&model, nullptr, arena.data(), arena.size) == MPQ_FW_BAD_ARGUMENT);
  BOOST_TEST(mpq_fw_run_kernels(&model, image.data(), arena.data(), arena.size, static_cast<mpq_fw_kernels>(2)) ==
             MPQ_FW_BAD_ARGUMENT);
  BOOST_TEST(mpq_fw_run(&model, image.data(), arena.data(), arena.size) == MPQ_FW_OK);
  BOOST_TEST(mpq_fw_output_codes(&model, arena.data(), codes, 9) == MPQ_FW_BAD_ARGUMENT);  // 10 classes
  BOOST_TEST(mpq_fw_output_codes(&model, arena.data(), codes, 10) == MPQ_FW_OK);

  // A model is refused by every call until a load accepts it, and again after one fails.
  mpq_fw_load_error error{};
  BOOST_TEST(mpq_fw_load(&model, blob.data() + 4, blob.size - 4, arena.data(), arena.size, &error) ==
             MPQ_FW_BAD_MAGIC);
  mpq_fw_model zeroed{};
  mpq_fw_input_params input{};
  mpq_fw_output_params output{};
  for (const mpq_fw_model* m : std::initializer_list<const mpq_fw_model*>{&model, &zeroed, nullptr}) {
    BOOST_TEST(mpq_fw_run(m, image.data(), arena.data(), arena.size) == MPQ_FW_BAD_ARGUMENT);
    BOOST_TEST(mpq_fw_output_codes(m, arena.data(), codes, kCodeCapacity) == MPQ_FW_BAD_ARGUMENT);
    BOOST_TEST(mpq_fw_get_input_params(m, &input) == MPQ_FW_BAD_ARGUMENT);
    BOOST_TEST(mpq_fw_get_output_params(m, &output) == MPQ_FW_BAD_ARGUMENT);
    BOOST_TEST(mpq_fw_arena_bytes(m) == 0u);
    BOOST_TEST(mpq_fw_arena_alignment(m) == 0u);
  }
  BOOST_TEST(mpq_fw_load(nullptr, blob.data(), blob.size, arena.data(), arena.size, nullptr) == MPQ_FW_BAD_ARGUMENT);
  BOOST_TEST(mpq_fw_query_memory(blob.data(), blob.size, nullptr) == MPQ_FW_BAD_ARGUMENT);
}

BOOST_FIXTURE_TEST_CASE(a_table_without_the_blobs_variant_is_refused_with_the_variant_named, test::DefaultModel) {
  const std::vector<uint8_t> bytes = export_blob(uniform_policy(graph, 4, 4));
  const AlignedBlob blob(bytes);
  mpq_fw_memory need{};
  BOOST_REQUIRE(mpq_fw_query_memory(blob.data(), blob.size, &need) == MPQ_FW_OK);
  Arena arena(need.arena_bytes);
  mpq_fw_load_error error{};
  BOOST_TEST(fw_api_c_load_with(&fw_api_c_max_pool_only, blob.data(), blob.size, arena.data(), arena.size, &error) ==
             MPQ_FW_KERNEL_NOT_LINKED);
  BOOST_TEST(std::string(mpq_fw_status_name(MPQ_FW_KERNEL_NOT_LINKED)) == "kernel_not_linked");
  // Op 0, the first layer: a 3x3 conv of the 8-bit input with 4-bit weights and outputs.
  BOOST_TEST(error.op == 0);
  BOOST_TEST(std::string(mpq_fw_op_kernel_name(error.op_kernel)) == "convolve");
  BOOST_TEST((error.input_bits == 8 && error.weight_bits == 4 && error.output_bits == 4));
  rt::ModelView view;
  rt::LoadError where;
  BOOST_TEST((rt::load_model(blob.data(), blob.size, arena.data(), arena.size, fw_api_c_max_pool_only, &view, &where) ==
              rt::Status::kernel_not_linked));
  BOOST_TEST(static_cast<int>(where.variant.kernel) == static_cast<int>(error.op_kernel));
  BOOST_TEST(std::string(mpq_fw_op_kernel_name(200)) == "unknown");
  mpq_fw_model model;
  BOOST_TEST(mpq_fw_load_with_kernels(&model, nullptr, blob.data(), blob.size, arena.data(), arena.size, nullptr) ==
             MPQ_FW_BAD_ARGUMENT);
}

// A blob whose patch stage needs more RAM than layer by layer (mpq export refuses to write
// one; convert_to_blob, below the CLI's check, still can) is refused through the C API with
// its own status, naming the stage's last op.
BOOST_FIXTURE_TEST_CASE(a_patch_stage_costing_ram_is_refused_with_its_status, test::DefaultModel) {
  const Policy policy = uniform_policy(graph, 8, 8);
  const std::vector<rt::OpRecord> records = op_records(graph, policy);
  const uint32_t without = memory_report(records).ram_bytes;
  rt::PatchStage costly;
  for (uint8_t ops = 1; ops <= 3 && !costly.present(); ++ops)  // stem, depthwise, pointwise: a chain
    for (uint8_t grid = 1; grid <= 4 && !costly.present(); ++grid)
      if (memory_report(records, {0, ops, grid}).ram_bytes > without) costly = {0, ops, grid};
  BOOST_REQUIRE(costly.present());
  Model fq = fake_quant(policy);
  const AlignedBlob blob(export_blob(fq, policy, costly));
  mpq_fw_memory need{};
  BOOST_REQUIRE(mpq_fw_query_memory(blob.data(), blob.size, &need) == MPQ_FW_OK);
  BOOST_TEST(need.arena_bytes == memory_report(records, costly).ram_bytes);
  Arena arena(need.arena_bytes);
  mpq_fw_model model;
  mpq_fw_load_error error{};
  BOOST_TEST(mpq_fw_load(&model, blob.data(), blob.size, arena.data(), arena.size, &error) ==
             MPQ_FW_PATCH_STAGE_COSTS_RAM);
  BOOST_TEST(error.op == costly.end_op() - 1u);
  BOOST_TEST(std::string(mpq_fw_status_name(MPQ_FW_PATCH_STAGE_COSTS_RAM)) == "patch_stage_costs_ram");
  BOOST_TEST(mpq_fw_arena_bytes(&model) == 0u);  // not loaded
}

BOOST_AUTO_TEST_CASE(status_names_are_the_runtimes) {
  for (int s = 0; s < MPQ_FW_STATUS_COUNT + 2; ++s)
    BOOST_TEST(std::string(mpq_fw_status_name(static_cast<mpq_fw_status>(s))) ==
                   rt::status_name(static_cast<rt::Status>(s)),
               "status " << s);
  BOOST_TEST(std::string(mpq_fw_status_name(MPQ_FW_CHECKSUM_MISMATCH)) == "checksum_mismatch");
  BOOST_TEST(std::string(mpq_fw_status_name(static_cast<mpq_fw_status>(300))) == "unknown");
  for (int32_t s = -1; s < kernels::kStatusCount + 2; ++s)
    BOOST_TEST(std::string(mpq_fw_kernel_status_name(s)) == kernels::status_name(static_cast<kernels::Status>(s)),
               "kernel status " << s);
  BOOST_TEST(mpq_fw_argmax(nullptr, 3) == 0u);
  const int32_t codes[] = {3, 9, 1, 9};
  BOOST_TEST(mpq_fw_argmax(codes, 4) == 1u);  // the first of equal largest, as mpq run picks
}

BOOST_AUTO_TEST_SUITE_END()
