#include <boost/test/unit_test.hpp>

#include "libmpq/kernels/detail/lanes.hpp"
#include "tests/kernels/oracle.hpp"
#include "tests/kernels/test_helpers.hpp"

namespace mk = mpq::kernels;
namespace md = mpq::kernels::detail;

namespace {

int32_t lane(uint32_t word, int32_t half) { return static_cast<int16_t>(half == 0 ? word : word >> 16); }

template <int Bits>
void check_lane_orders(mk::testing::CaseRng& rng) {
  using L = md::Lanes<Bits>;
  for (int32_t i = 0; i < 2000; ++i) {
    const uint32_t word = rng.next();
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&word);
    uint32_t s[L::kWords], u[L::kWords], n[L::kWords];
    md::unpack_signed_scaled<Bits>(word, s);
    md::unpack_unsigned<Bits>(word, u);
    uint8_t natural[L::kValues];
    for (int32_t v = 0; v < L::kValues; ++v) natural[v] = static_cast<uint8_t>(mk::oracle::unsigned_at(bytes, v, Bits) * 13 % 256);
    md::bytes_to_lanes<Bits>(natural, n);
    for (int32_t j = 0; j < L::kWords; ++j) {
      for (int32_t h = 0; h < 2; ++h) {
        const int32_t v = L::kOrder[2 * j + h];
        BOOST_TEST(lane(s[j], h) == mk::oracle::signed_at(bytes, v, Bits) * (1 << L::kScaleShift));
        BOOST_TEST(lane(u[j], h) == mk::oracle::unsigned_at(bytes, v, Bits));
        BOOST_TEST(lane(n[j], h) == natural[v]);
      }
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lanes)

BOOST_AUTO_TEST_CASE(unpacked_lanes_follow_the_documented_order_and_scale) {
  mk::testing::CaseRng rng(31);
  check_lane_orders<8>(rng);
  check_lane_orders<4>(rng);
  check_lane_orders<2>(rng);
}

BOOST_AUTO_TEST_CASE(dsp_primitives_match_their_instruction_semantics) {
  namespace dsp = mpq::kernels::dsp;
  BOOST_TEST(dsp::sxtb16(0x80FF7F01u) == 0xFFFF0001u);
  BOOST_TEST(dsp::sxtb16(0x0080FF00u) == 0xFF800000u);
  BOOST_TEST(dsp::sxtb16_ror8(0x80FF7F01u) == 0xFF80007Fu);
  BOOST_TEST(dsp::uxtb16(0x80FF7F01u) == 0x00FF0001u);
  BOOST_TEST(dsp::uxtb16_ror8(0x80FF7F01u) == 0x0080007Fu);
  BOOST_TEST(dsp::smlad(0x0003FFFEu, 0x00050007u, 100) == 100 + (-2 * 7) + 3 * 5);
  BOOST_TEST(dsp::smlabb(0x7FFF8000u, 0x00020003u, 0) == -32768 * 3);
  BOOST_TEST(dsp::smlatt(0x7FFF8000u, 0x00020003u, 1) == 1 + 32767 * 2);
  BOOST_TEST(dsp::pkhbt(0x11112222u, 0x33334444u) == 0x44442222u);
  BOOST_TEST(dsp::pkhtb(0x11112222u, 0x33334444u) == 0x11113333u);
  const uint8_t bytes[5] = {1, 2, 3, 4, 5};
  BOOST_TEST(dsp::load32(bytes + 1) == 0x05040302u);
  BOOST_TEST(dsp::load32_partial(bytes, 3) == 0x00030201u);
  BOOST_TEST(dsp::load32_partial(bytes, 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
