// The .npy and .npz readers: round trips through our writer, every refusal with a
// one-line message naming the file, and agreement with NumPy itself (Debian's
// python3-numpy) in both directions when it is installed.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <cstring>

#include "fixtures.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/npy_array.hpp"
#include "libmpq/data/npz_archive.hpp"
#include "numpy_fixtures.hpp"

using fixtures::check_error_mentions;
using mpq::NpyArray;
using mpq::NpyType;

BOOST_AUTO_TEST_SUITE(npy_reader)

namespace {

// A .npy file by hand: version, header text, data.
std::string npy_bytes(int major, const std::string& header, const std::string& data) {
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  const size_t width = major == 1 ? 2 : 4;
  for (size_t k = 0; k < width; ++k) out += static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return out + header + data;
}

void check_parse_error(const std::string& bytes, const std::vector<std::string>& needles) {
  std::vector<std::string> all = {"a.npy: "};
  all.insert(all.end(), needles.begin(), needles.end());
  check_error_mentions([&] { mpq::parse_npy(std::string(bytes), "a.npy"); }, all);
}

boost::test_tools::assertion_result have_numpy(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(numpy_fixtures::numpy_available());
  r.message() << "skipped: " << MPQ_PYTHON << " cannot import numpy (install python3-numpy)";
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_type_round_trips_through_the_writer) {
  const NpyArray f = numpy_fixtures::float_array({2, 1, 2, 3}, 0.25f);
  const NpyArray u = numpy_fixtures::uint8_array({3, 2, 1, 1}, 7);
  const NpyArray l64 = numpy_fixtures::labels({4, 0, 9}, NpyType::int64);
  const NpyArray l32 = numpy_fixtures::labels({1, 2}, NpyType::int32);
  const NpyArray l8 = numpy_fixtures::labels({5}, NpyType::uint8);
  for (const NpyArray* a : {&f, &u, &l64, &l32, &l8}) {
    const NpyArray back = mpq::parse_npy(mpq::encode_npy(*a), "a.npy");
    BOOST_TEST(std::string(mpq::npy_type_name(back.type)) == mpq::npy_type_name(a->type));
    BOOST_TEST(back.shape == a->shape);
    BOOST_TEST(back.bytes == a->bytes);
  }
  BOOST_TEST(mpq::parse_npy(mpq::encode_npy(f), "a.npy").as_float(5) == 1.5f);
  BOOST_TEST(mpq::parse_npy(mpq::encode_npy(l64), "a.npy").as_int64(2) == 9);
  // NumPy aligns the data to 64 bytes.
  BOOST_TEST(mpq::encode_npy(f).size() % 64 == f.bytes.size() % 64);
}

BOOST_AUTO_TEST_CASE(versions_2_and_3_and_any_key_order_are_read) {
  const std::string data(8, '\x01');
  for (int major : {2, 3}) {
    const NpyArray a =
        mpq::parse_npy(npy_bytes(major, "{\"shape\": (2, 4), 'fortran_order': False, 'descr': '|u1'}\n", data), "a.npy");
    BOOST_TEST(a.shape == std::vector<int64_t>({2, 4}));
    BOOST_TEST(std::string(mpq::npy_type_name(a.type)) == "uint8");
  }
  BOOST_TEST(mpq::parse_npy(npy_bytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': ()}", std::string(4, '\0')),
                            "a.npy")
                 .elements() == 1);
}

BOOST_AUTO_TEST_CASE(malformed_npy_files_are_refused_naming_the_file) {
  const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::string data(8, '\0');
  check_parse_error("PK\x03\x04 not numpy", {"not a .npy file"});
  check_parse_error(npy_bytes(4, good, data), {"version 4.0"});
  check_parse_error(npy_bytes(1, good, data).substr(0, 9), {"truncated"});
  check_parse_error(npy_bytes(1, good, data).substr(0, 30), {"truncated", "header"});
  check_parse_error(npy_bytes(1, good, data.substr(0, 7)), {"truncated", "needs 8 bytes", "holds 7"});
  check_parse_error(npy_bytes(1, good, data + "x"), {"trailing bytes"});
  check_parse_error(npy_bytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data),
                    {"'>f4'", "big-endian"});
  check_parse_error(npy_bytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", data), {"'<f8'"});
  check_parse_error(npy_bytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", data), {"fortran_order"});
  check_parse_error(npy_bytes(1, "[1, 2]", data), {"malformed .npy header"});
  check_parse_error(npy_bytes(1, "{'descr': '<f4', 'shape': (2,), }", data), {"descr, fortran_order and shape"});
  check_parse_error(npy_bytes(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", data),
                    {"repeated"});
  check_parse_error(npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}", data),
                    {"expected a dimension"});
  check_parse_error(npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627777,)}", data),
                    {"above 2^40"});
  check_parse_error(npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576, 2)}", data),
                    {"more than 2^40 elements"});
  std::string many = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int d = 0; d < 40; ++d) many += "1, ";
  check_parse_error(npy_bytes(1, many + ")}", data), {"more than 32 dimensions"});
  std::string huge = npy_bytes(2, good, data);
  huge[8] = '\xff', huge[9] = '\xff', huge[10] = '\xff';  // a 16 MiB header
  check_parse_error(huge, {"header of", "at most 65536"});
}

BOOST_AUTO_TEST_CASE(npz_members_stored_and_deflated_are_read) {
  const NpyArray x = numpy_fixtures::float_array({3, 1, 2, 2}, 0.5f);
  const NpyArray y = numpy_fixtures::labels({0, 1, 2}, NpyType::int64);
  for (bool deflated : {false, true}) {
    const auto arrays = mpq::parse_npz(mpq::encode_npz({{"x", x}, {"y", y}}, deflated), "d.npz");
    BOOST_TEST(arrays.size() == 2u);
    BOOST_TEST(arrays.at("x").bytes == x.bytes);
    BOOST_TEST(arrays.at("y").as_int64(2) == 2);
  }
}

BOOST_AUTO_TEST_CASE(malformed_npz_files_are_refused_naming_the_file) {
  const NpyArray x = numpy_fixtures::float_array({64, 1, 4, 4}, 0.f);  // zeros: deflates well
  const std::string stored = mpq::encode_npz({{"x", x}}, false), deflated = mpq::encode_npz({{"x", x}}, true);
  auto refused = [](const std::string& bytes, const std::vector<std::string>& needles) {
    std::vector<std::string> all = {"d.npz"};
    all.insert(all.end(), needles.begin(), needles.end());
    check_error_mentions([&] { mpq::parse_npz(bytes, "d.npz"); }, all);
  };
  refused("short", {"not a .npz file"});
  refused(stored.substr(0, stored.size() - 30), {"not a .npz file"});
  refused(stored.substr(100), {"past the end of the file"});
  std::string flipped = stored;
  flipped[200] ^= 0x40;  // inside x.npy's data
  refused(flipped, {"x.npy: CRC-32 mismatch"});
  std::string corrupt = deflated;
  corrupt[40] ^= 0x7f;  // inside the deflate stream
  check_error_mentions([&] { mpq::parse_npz(corrupt, "d.npz"); }, {"d.npz: x.npy: "});
  // The central directory's uncompressed size (offset 24 of its entry) claims 4 MiB.
  std::string liar = deflated;
  const size_t central = liar.find("PK\x01\x02");
  liar[central + 24 + 2] = 0x40;
  refused(liar, {"more than deflate can expand to"});
  std::string flag = stored;
  flag[stored.find("PK\x01\x02") + 8] = 1;
  refused(flag, {"encrypted"});
  std::string method = stored;
  method[stored.find("PK\x01\x02") + 10] = 12;  // bzip2
  refused(method, {"compression method 12"});
  const NpyArray y = numpy_fixtures::labels({1}, NpyType::int64);
  refused(mpq::encode_npz({{"x", x}, {"x", y}}, false), {"a second member"});
}

BOOST_AUTO_TEST_CASE(numpy_reads_our_files_and_we_read_numpys, *boost::unit_test::precondition(have_numpy)) {
  fixtures::TempDir dir;
  const NpyArray x = numpy_fixtures::float_array({2, 3, 2, 2}, -1.5f);
  const NpyArray y = numpy_fixtures::labels({7, 3}, NpyType::int64);
  fixtures::write_bytes(dir.file("ours.npy"), mpq::encode_npy(x));
  fixtures::write_bytes(dir.file("ours.npz"), mpq::encode_npz({{"x", x}, {"y", y}}, true));
  // NumPy checks our files, then writes the same arrays in every form it has.
  const std::string script =
      "import numpy as np, sys\n"
      "d = sys.argv[1]\n"
      "x = (np.arange(24, dtype=np.float32) * 0.25 - 1.5).reshape(2, 3, 2, 2)\n"
      "y = np.array([7, 3], dtype=np.int64)\n"
      "assert np.array_equal(np.load(d + '/ours.npy'), x)\n"
      "z = np.load(d + '/ours.npz')\n"
      "assert np.array_equal(z['x'], x) and np.array_equal(z['y'], y)\n"
      "np.save(d + '/np.npy', x)\n"
      "for v in [(2, 0), (3, 0)]:\n"
      "    with open(d + '/np%d.npy' % v[0], 'wb') as f: np.lib.format.write_array(f, x, version=v)\n"
      "np.save(d + '/u8.npy', np.arange(6, dtype=np.uint8).reshape(1, 1, 2, 3))\n"
      "np.save(d + '/i32.npy', y.astype(np.int32))\n"
      "np.savez(d + '/np.npz', x=x, y=y)\n"
      "np.savez_compressed(d + '/npc.npz', x=x, y=y.astype(np.uint8))\n";
  fixtures::write_bytes(dir.file("check.py"), script);
  BOOST_REQUIRE_MESSAGE(std::system((std::string(MPQ_PYTHON) + " " + dir.file("check.py") + " " + dir.path()).c_str()) == 0,
                        "numpy refused our files or failed to write its own");
  // Byte for byte what numpy.save writes.
  BOOST_TEST(mpq::read_file(dir.file("np.npy")) == mpq::encode_npy(x));
  for (const char* name : {"np.npy", "np2.npy", "np3.npy"}) {
    const NpyArray a = mpq::read_npy(dir.file(name));
    BOOST_TEST(a.shape == x.shape, name);
    BOOST_TEST(a.bytes == x.bytes, name);
  }
  BOOST_TEST(mpq::read_npy(dir.file("u8.npy")).as_int64(5) == 5);
  BOOST_TEST(mpq::read_npy(dir.file("i32.npy")).as_int64(0) == 7);
  for (const char* name : {"np.npz", "npc.npz"}) {
    const auto arrays = mpq::read_npz(dir.file(name));
    BOOST_TEST(arrays.at("x").bytes == x.bytes, name);
    BOOST_TEST(arrays.at("y").as_int64(1) == 3, name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
