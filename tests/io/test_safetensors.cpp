// The safetensors container: encoding, float conversions, and every kind of bad file.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "libmpq/io/safetensors.hpp"
#include "torch_fixtures.hpp"

using namespace mpq;
using mpq::test::contains;
using mpq::test::error_message;

namespace {

// A file made of a literal header and data, for writing what no honest writer would.
std::string raw_file(const std::string& header, const std::string& data) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((static_cast<uint64_t>(header.size()) >> (8 * i)) & 0xff));
  return out + header + data;
}

std::string decode_error(const std::string& bytes) {
  return error_message([&] { decode_safetensors(bytes, "bad.safetensors"); });
}

SafetensorsTensor raw_tensor(const std::string& name, SafetensorsDtype dtype, Shape shape, const std::string& data) {
  SafetensorsTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data = data;
  return t;
}

std::string u16s(std::initializer_list<uint16_t> values) {
  std::string out;
  for (uint16_t v : values) out.append(reinterpret_cast<const char*>(&v), 2);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(safetensors)

BOOST_AUTO_TEST_CASE(encode_then_decode_keeps_names_types_shapes_bytes_and_metadata) {
  SafetensorsFile file;
  const float w[6] = {1.f, -2.f, 3.5f, 0.f, 1e-30f, -7.f};
  file.tensors.push_back(safetensors_from_floats("conv.weight", {2, 3}, w));
  file.tensors.push_back(raw_tensor("bn.num_batches_tracked", SafetensorsDtype::I64, {}, std::string(8, '\x05')));
  file.tensors.push_back(raw_tensor("empty", SafetensorsDtype::F16, {0, 4}, ""));
  file.tensors.push_back(raw_tensor("half", SafetensorsDtype::F16, {3}, u16s({0x3c00, 0xc000, 0x0001})));
  file.metadata["format"] = "pt";
  const std::string bytes = encode_safetensors(file);
  const SafetensorsFile back = decode_safetensors(bytes, "mem");
  BOOST_TEST(back.metadata == file.metadata);
  BOOST_TEST(back.tensors.size() == file.tensors.size());
  for (const auto& t : file.tensors) {
    const SafetensorsTensor* b = back.find(t.name);
    BOOST_REQUIRE_MESSAGE(b, t.name);
    BOOST_TEST(safetensors_dtype_name(b->dtype) == safetensors_dtype_name(t.dtype));
    BOOST_TEST(b->shape == t.shape);
    BOOST_TEST(b->data == t.data);
  }
  BOOST_TEST((encode_safetensors(back) == bytes));
}

BOOST_AUTO_TEST_CASE(encoding_pads_the_header_to_8_bytes_and_puts_wider_types_first) {
  SafetensorsFile file;
  file.tensors.push_back(raw_tensor("a.half", SafetensorsDtype::F16, {1}, u16s({0x3c00})));
  const float one = 1.f;
  file.tensors.push_back(safetensors_from_floats("b.float", {1}, &one));
  file.tensors.push_back(raw_tensor("c.count", SafetensorsDtype::I64, {}, std::string(8, '\0')));
  const std::string bytes = encode_safetensors(file);
  uint64_t header_size;
  std::memcpy(&header_size, bytes.data(), 8);
  BOOST_TEST((8 + header_size) % 8 == 0u);
  const std::string header = bytes.substr(8, header_size);
  BOOST_TEST(contains(header, "\"c.count\":{\"data_offsets\":[0,8],\"dtype\":\"I64\",\"shape\":[]}"));
  BOOST_TEST(contains(header, "\"b.float\":{\"data_offsets\":[8,12],\"dtype\":\"F32\",\"shape\":[1]}"));
  BOOST_TEST(contains(header, "\"a.half\":{\"data_offsets\":[12,14],\"dtype\":\"F16\",\"shape\":[1]}"));
  BOOST_TEST(bytes.size() == 8 + header_size + 14);
}

BOOST_AUTO_TEST_CASE(encoding_reproduces_the_python_writers_files_byte_for_byte) {
  for (const char* const* name = test::torch_fixture_names(); *name; ++name) {
    const test::TorchFixture f = test::load_torch_fixture(*name);
    BOOST_TEST((encode_safetensors(f.weights) == f.weights_bytes), *name);
  }
}

BOOST_AUTO_TEST_CASE(half_bfloat_and_double_widen_to_float) {
  const SafetensorsTensor half = raw_tensor(
      "h", SafetensorsDtype::F16, {7}, u16s({0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x3555}));
  const std::vector<float> h = safetensors_to_floats(half, "mem");
  BOOST_TEST(h[0] == 1.f);
  BOOST_TEST(h[1] == -2.f);
  BOOST_TEST(h[2] == 65504.f);
  BOOST_TEST(h[3] == std::ldexp(1.f, -24));  // smallest subnormal
  BOOST_TEST((h[4] == 0.f && std::signbit(h[4])));
  BOOST_TEST(h[5] == std::numeric_limits<float>::infinity());
  BOOST_TEST(h[6] == 0.333251953125f);

  const std::vector<float> b =
      safetensors_to_floats(raw_tensor("b", SafetensorsDtype::BF16, {2}, u16s({0x3f80, 0xc0a0})), "mem");
  BOOST_TEST(b[0] == 1.f);
  BOOST_TEST(b[1] == -5.f);

  const double d[2] = {0.1, -3.0};
  const std::vector<float> f = safetensors_to_floats(
      raw_tensor("d", SafetensorsDtype::F64, {2}, std::string(reinterpret_cast<const char*>(d), 16)), "mem");
  BOOST_TEST(f[0] == 0.1f);
  BOOST_TEST(f[1] == -3.f);
}

BOOST_AUTO_TEST_CASE(integer_tensors_are_not_read_as_floats) {
  const std::string msg = error_message(
      [] { safetensors_to_floats(raw_tensor("conv.weight", SafetensorsDtype::I32, {1}, "abcd"), "w.safetensors"); });
  BOOST_TEST(contains(msg, "w.safetensors: tensor 'conv.weight' has dtype I32"), msg);
}

BOOST_AUTO_TEST_CASE(a_file_shorter_than_the_length_field_is_truncated) {
  BOOST_TEST(contains(decode_error(""), "bad.safetensors: truncated: 0 bytes"));
  BOOST_TEST(contains(decode_error("abcde"), "truncated: 5 bytes"));
}

BOOST_AUTO_TEST_CASE(a_header_length_past_the_end_of_the_file_is_reported) {
  std::string bytes = raw_file("{}", "");
  bytes[0] = 100;
  BOOST_TEST(contains(decode_error(bytes), "header length 100 runs past the end of the file (2 bytes"));
  bytes[7] = '\x7f';  // a huge length must not allocate or wrap around
  BOOST_TEST(contains(decode_error(bytes), "runs past the end of the file"));
}

BOOST_AUTO_TEST_CASE(header_json_errors_are_reported) {
  BOOST_TEST(contains(decode_error(raw_file("{\"w\": {", "")), "bad.safetensors: the header is not valid JSON"));
  BOOST_TEST(contains(decode_error(raw_file("[1, 2]", "")), "the header is not a JSON object"));
  BOOST_TEST(contains(decode_error(raw_file("{\"__metadata__\": {\"a\": 1}}", "")), "__metadata__ 'a' is not a string"));
  const std::string twice =
      "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
      "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
  BOOST_TEST(contains(decode_error(raw_file(twice, "ab")), "the header names 'w' twice"));
}

BOOST_AUTO_TEST_CASE(malformed_entries_name_their_tensor) {
  auto entry_error = [](const std::string& entry, const std::string& data = "abcd") {
    return decode_error(raw_file("{\"layer.weight\":" + entry + "}", data));
  };
  BOOST_TEST(contains(entry_error("[]"), "tensor 'layer.weight': entry is not an object"));
  BOOST_TEST(contains(entry_error("{\"shape\":[1],\"data_offsets\":[0,4]}"), "tensor 'layer.weight': entry has no 'dtype'"));
  BOOST_TEST(contains(entry_error("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}"),
                      "tensor 'layer.weight': unexpected field 'x'"));
  BOOST_TEST(contains(entry_error("{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}"),
                      "tensor 'layer.weight': unknown dtype 'F12'"));
  BOOST_TEST(contains(entry_error("{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}"),
                      "tensor 'layer.weight': shape dimension must be a non-negative integer, got -1"));
  BOOST_TEST(contains(entry_error("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}"),
                      "tensor 'layer.weight': data_offsets must be [begin, end]"));
  BOOST_TEST(contains(entry_error("{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,4]}"),
                      "tensor 'layer.weight': shape is too large"));
}

BOOST_AUTO_TEST_CASE(offsets_that_do_not_match_the_shape_are_reported) {
  const std::string msg =
      decode_error(raw_file("{\"conv.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "abcdefgh"));
  BOOST_TEST(contains(msg, "bad.safetensors: tensor 'conv.weight': data_offsets [0, 8] do not hold the 12 bytes of shape [3] F32"),
             msg);
  BOOST_TEST(contains(
      decode_error(raw_file("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}", "abcd")),
      "tensor 'w': data_offsets [4, 0] do not hold the 0 bytes"));
}

BOOST_AUTO_TEST_CASE(offsets_past_the_end_of_the_data_are_reported) {
  const std::string msg =
      decode_error(raw_file("{\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "abcdefgh"));
  BOOST_TEST(contains(msg, "tensor 'fc.bias': data_offsets [4, 12] run past the end of the data (8 bytes"), msg);
}

BOOST_AUTO_TEST_CASE(overlapping_tensors_are_reported) {
  const std::string msg = decode_error(raw_file(
      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
      "abcdefgh"));
  BOOST_TEST(contains(msg, "tensor 'b' overlaps tensor 'a'"), msg);
}

BOOST_AUTO_TEST_CASE(data_bytes_that_belong_to_no_tensor_are_reported) {
  const std::string gap = decode_error(raw_file(
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
      "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]}}",
      "abcdef"));
  BOOST_TEST(contains(gap, "data bytes [2, 4) before tensor 'b' belong to no tensor"), gap);
  const std::string tail =
      decode_error(raw_file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", "abcdef"));
  BOOST_TEST(contains(tail, "4 data bytes after the last tensor ('a') belong to no tensor"), tail);
}

BOOST_AUTO_TEST_CASE(a_truncated_real_file_names_the_tensor_that_runs_past_the_end) {
  const test::TorchFixture f = test::load_torch_fixture("mobilenet_v1");
  const std::string msg = decode_error(f.weights_bytes.substr(0, f.weights_bytes.size() - 100));
  BOOST_TEST(contains(msg, "run past the end of the data"), msg);
  BOOST_TEST(contains(msg, "tensor '"), msg);
  BOOST_TEST(contains(decode_error(f.weights_bytes.substr(0, 50)), "runs past the end of the file"));
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_reported_by_path) {
  BOOST_TEST(contains(error_message([] { read_safetensors("/nonexistent/w.safetensors"); }), "/nonexistent/w.safetensors"));
}

BOOST_AUTO_TEST_CASE(a_deeply_nested_header_value_is_named_by_its_type_not_dumped) {
  // 200,000 levels: dumping it into the message recursed that deep and overflowed the stack.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const std::string message =
      decode_error(raw_file(R"({"w":{"dtype":"F32","shape":[)" + deep + R"(],"data_offsets":[0,4]}})", "abcd"));
  BOOST_TEST(contains(message, "bad.safetensors: tensor 'w': shape dimension must be a non-negative integer, got an array"),
             message.substr(0, 200));
}

BOOST_AUTO_TEST_SUITE_END()
