#include "libmpq/io/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"

namespace mpq {

namespace {

struct DtypeInfo {
  const char* name;
  size_t size;
};
constexpr DtypeInfo kDtypes[] = {{"BOOL", 1}, {"U8", 1},   {"I8", 1},  {"I16", 2}, {"U16", 2},
                                 {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},
                                 {"F64", 8},  {"I64", 8},  {"U64", 8}};
static_assert(sizeof(kDtypes) / sizeof(kDtypes[0]) == static_cast<size_t>(SafetensorsDtype::Count),
              "one entry per SafetensorsDtype");

constexpr size_t kLengthField = 8;

std::string tensor_label(const std::string& name) { return "tensor '" + name + "'"; }

// Safetensors lengths and offsets are u64; products are checked so that a lying header
// cannot wrap them around.
uint64_t checked_multiply(uint64_t a, uint64_t b, const std::string& what) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) throw Error(what + " is too large");
  return a * b;
}

uint64_t read_u64_le(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

nlohmann::json parse_header(const std::string& text, const std::string& what) {
  // nlohmann keeps the last of duplicate keys; a stack of key sets per open object
  // rejects them instead, since two entries for one tensor is a file that lies.
  std::vector<std::set<std::string>> open_objects;
  auto reject_duplicates = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) open_objects.emplace_back();
    if (event == E::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == E::key && !open_objects.empty() && !open_objects.back().insert(parsed.get<std::string>()).second)
      throw Error(what + ": the header names '" + parsed.get<std::string>() + "' twice");
    return true;
  };
  try {
    nlohmann::json header = nlohmann::json::parse(text, reject_duplicates);
    if (!header.is_object()) throw Error(what + ": the header is not a JSON object");
    return header;
  } catch (const nlohmann::json::exception& e) {
    throw Error(what + ": the header is not valid JSON (" + e.what() + ")");
  }
}

uint64_t json_size(const nlohmann::json& j, const std::string& what) {
  // A container is named by its type: dumping a deeply nested one would recurse as deep.
  if (!j.is_number_unsigned())
    throw Error(what + " must be a non-negative integer, got " +
                (j.is_primitive() ? j.dump().substr(0, 60) : std::string("an ") + j.type_name()));
  return j.get<uint64_t>();
}

SafetensorsDtype dtype_from_name(const std::string& text, const std::string& what) {
  for (int i = 0; i < static_cast<int>(SafetensorsDtype::Count); ++i)
    if (text == kDtypes[i].name) return static_cast<SafetensorsDtype>(i);
  throw Error(what + ": unknown dtype '" + text + "'");
}

// One header entry, checked on its own; `range` receives its data_offsets.
SafetensorsTensor parse_entry(const std::string& name, const nlohmann::json& entry, const std::string& what,
                              std::pair<uint64_t, uint64_t>& range) {
  const std::string where = what + ": " + tensor_label(name);
  if (!entry.is_object()) throw Error(where + ": entry is not an object");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(field)) throw Error(where + ": entry has no '" + field + "'");
  for (const auto& item : entry.items())
    if (item.key() != "dtype" && item.key() != "shape" && item.key() != "data_offsets")
      throw Error(where + ": unexpected field '" + item.key() + "'");
  if (!entry["dtype"].is_string()) throw Error(where + ": dtype must be a string");
  SafetensorsTensor t;
  t.name = name;
  t.dtype = dtype_from_name(entry["dtype"].get<std::string>(), where);
  if (!entry["shape"].is_array()) throw Error(where + ": shape must be an array");
  uint64_t elements = 1;
  for (const auto& d : entry["shape"]) {
    const uint64_t dim = json_size(d, where + ": shape dimension");
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) throw Error(where + ": shape is too large");
    elements = checked_multiply(elements, dim, where + ": shape");
    t.shape.push_back(static_cast<int64_t>(dim));
  }
  const auto& offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2) throw Error(where + ": data_offsets must be [begin, end]");
  range = {json_size(offsets[0], where + ": data_offsets begin"), json_size(offsets[1], where + ": data_offsets end")};
  const uint64_t need = checked_multiply(elements, safetensors_dtype_size(t.dtype), where + ": shape");
  if (range.second < range.first || range.second - range.first != need)
    throw Error(where + ": data_offsets [" + std::to_string(range.first) + ", " + std::to_string(range.second) +
                "] do not hold the " + std::to_string(need) + " bytes of shape [" + shape_to_string(t.shape) + "] " +
                kDtypes[static_cast<int>(t.dtype)].name);
  return t;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h >> 15) << 31;
  const uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ffu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero or subnormal, exact
  } else {
    const uint32_t bits = exponent == 31 ? (0xffu << 23) | (mantissa << 13)  // inf / NaN
                                         : ((exponent + 112) << 23) | (mantissa << 13);
    std::memcpy(&magnitude, &bits, 4);
  }
  uint32_t bits;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

}  // namespace

const char* safetensors_dtype_name(SafetensorsDtype dtype) { return kDtypes[static_cast<int>(dtype)].name; }
size_t safetensors_dtype_size(SafetensorsDtype dtype) { return kDtypes[static_cast<int>(dtype)].size; }

bool is_float_dtype(SafetensorsDtype d) {
  return d == SafetensorsDtype::F16 || d == SafetensorsDtype::BF16 || d == SafetensorsDtype::F32 ||
         d == SafetensorsDtype::F64;
}

bool is_integer_dtype(SafetensorsDtype d) { return d != SafetensorsDtype::BOOL && !is_float_dtype(d); }

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

SafetensorsFile decode_safetensors(const std::string& bytes, const std::string& what) {
  if (bytes.size() < kLengthField)
    throw Error(what + ": truncated: " + std::to_string(bytes.size()) +
                " bytes, a safetensors file starts with an 8-byte header length");
  const uint64_t header_size = read_u64_le(bytes.data());
  const uint64_t after_length = bytes.size() - kLengthField;
  if (header_size > after_length)
    throw Error(what + ": header length " + std::to_string(header_size) + " runs past the end of the file (" +
                std::to_string(after_length) + " bytes follow the length field; truncated?)");
  const nlohmann::json header = parse_header(bytes.substr(kLengthField, header_size), what);
  const size_t data_begin = kLengthField + header_size;
  const uint64_t data_size = bytes.size() - data_begin;

  SafetensorsFile file;
  struct Placed {
    std::pair<uint64_t, uint64_t> range;
    SafetensorsTensor tensor;
  };
  std::vector<Placed> placed;
  for (const auto& item : header.items()) {
    if (item.key() == "__metadata__") {
      if (!item.value().is_object()) throw Error(what + ": __metadata__ must be an object of strings");
      for (const auto& m : item.value().items()) {
        if (!m.value().is_string()) throw Error(what + ": __metadata__ '" + m.key() + "' is not a string");
        file.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    Placed p;
    p.tensor = parse_entry(item.key(), item.value(), what, p.range);
    if (p.range.second > data_size)
      throw Error(what + ": " + tensor_label(item.key()) + ": data_offsets [" + std::to_string(p.range.first) + ", " +
                  std::to_string(p.range.second) + "] run past the end of the data (" + std::to_string(data_size) +
                  " bytes; truncated?)");
    placed.push_back(std::move(p));
  }
  // The tensors must tile the data exactly, as the reference implementation requires:
  // overlaps and unclaimed bytes both mean the header does not describe the file.
  std::stable_sort(placed.begin(), placed.end(), [](const Placed& a, const Placed& b) { return a.range < b.range; });
  uint64_t covered = 0;
  const std::string* previous = nullptr;
  for (Placed& p : placed) {
    if (p.range.first < covered)
      throw Error(what + ": " + tensor_label(p.tensor.name) + " overlaps " + tensor_label(*previous) + " (its data starts at " +
                  std::to_string(p.range.first) + ", before byte " + std::to_string(covered) + " where '" +
                  *previous + "' ends)");
    if (p.range.first > covered)
      throw Error(what + ": data bytes [" + std::to_string(covered) + ", " + std::to_string(p.range.first) +
                  ") before " + tensor_label(p.tensor.name) + " belong to no tensor");
    p.tensor.data = bytes.substr(data_begin + p.range.first, p.range.second - p.range.first);
    covered = p.range.second;
    previous = &p.tensor.name;
  }
  if (covered != data_size)
    throw Error(what + ": " + std::to_string(data_size - covered) + " data bytes after the last tensor" +
                (previous ? " ('" + *previous + "')" : std::string()) + " belong to no tensor");
  for (Placed& p : placed) file.tensors.push_back(std::move(p.tensor));
  return file;
}

SafetensorsFile read_safetensors(const std::string& path) { return decode_safetensors(read_file(path), path); }

std::string encode_safetensors(const SafetensorsFile& file) {
  std::vector<const SafetensorsTensor*> order;
  for (const auto& t : file.tensors) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(), [](const SafetensorsTensor* a, const SafetensorsTensor* b) {
    return safetensors_dtype_size(a->dtype) > safetensors_dtype_size(b->dtype);
  });
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const SafetensorsTensor* t : order) {
    const uint64_t need = static_cast<uint64_t>(shape_elements(t->shape)) * safetensors_dtype_size(t->dtype);
    require(t->data.size() == need, "safetensors: " + tensor_label(t->name) + " has " + std::to_string(t->data.size()) +
                                        " bytes, shape [" + shape_to_string(t->shape) + "] " +
                                        safetensors_dtype_name(t->dtype) + " needs " + std::to_string(need));
    require(!header.contains(t->name), "safetensors: " + tensor_label(t->name) + " appears twice");
    header[t->name] = {{"dtype", safetensors_dtype_name(t->dtype)},
                       {"shape", t->shape},
                       {"data_offsets", {offset, offset + need}}};
    offset += need;
  }
  std::string text = header.dump();
  text.append((8 - (kLengthField + text.size()) % 8) % 8, ' ');
  std::string out;
  out.reserve(kLengthField + text.size() + offset);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((static_cast<uint64_t>(text.size()) >> (8 * i)) & 0xff));
  out += text;
  for (const SafetensorsTensor* t : order) out += t->data;
  return out;
}

void write_safetensors(const std::string& path, const SafetensorsFile& file) {
  write_file_atomically(path, encode_safetensors(file));
}

// The data is little-endian and so is every host libmpq supports (see core/byte_io.cpp),
// so elements are copied with memcpy.
std::vector<float> safetensors_to_floats(const SafetensorsTensor& t, const std::string& what) {
  const size_t n = t.data.size() / safetensors_dtype_size(t.dtype);
  std::vector<float> out(n);
  const char* p = t.data.data();
  switch (t.dtype) {
    case SafetensorsDtype::F32:
      std::memcpy(out.data(), p, n * 4);
      break;
    case SafetensorsDtype::F64:
      for (size_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
      break;
    case SafetensorsDtype::F16:
    case SafetensorsDtype::BF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        if (t.dtype == SafetensorsDtype::F16) {
          out[i] = half_to_float(h);
        } else {
          const uint32_t bits = static_cast<uint32_t>(h) << 16;
          std::memcpy(&out[i], &bits, 4);
        }
      }
      break;
    default:
      throw Error(what + ": " + tensor_label(t.name) + " has dtype " + safetensors_dtype_name(t.dtype) +
                  ", expected a float type (F32, F16, BF16 or F64)");
  }
  return out;
}

SafetensorsTensor safetensors_from_floats(std::string name, Shape shape, const float* values) {
  SafetensorsTensor t;
  t.name = std::move(name);
  t.dtype = SafetensorsDtype::F32;
  t.data.assign(reinterpret_cast<const char*>(values), static_cast<size_t>(shape_elements(shape)) * 4);
  t.shape = std::move(shape);
  return t;
}

}  // namespace mpq
