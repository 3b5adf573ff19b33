// The state files' envelope: its bytes for the three layouts in use (those of files already
// written), round trips, and one clear error per kind of damage.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/crc32.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/core/frame.hpp"

namespace {

using mpq::CrcPlace;
using mpq::FrameLayout;
using mpq::MagicForm;

// The layouts of libmpq/nn/checkpoint.cpp, libmpq/search/policy_search.cpp and
// libmpq/rl/ddpg_state.cpp.
const FrameLayout kCheckpoint{"checkpoint", "MPQC", MagicForm::bytes, true, CrcPlace::header, 1};
const FrameLayout kSearch{"search state", "MPQS", MagicForm::bytes, false, CrcPlace::header, 1};
const FrameLayout kAgent{"agent state", "mpq-ddpg-state", MagicForm::string, false, CrcPlace::trailer, 1};
const std::vector<FrameLayout> kLayouts = {kCheckpoint, kSearch, kAgent};

const std::string kPayload("payload \0 with a zero byte", 26);

std::string payload_of(const FrameLayout& layout, const std::string& bytes) {
  const mpq::FramePayload p = mpq::unframe(layout, bytes, "f.bin");
  return bytes.substr(p.begin, p.end - p.begin);
}

// The message unframe throws, "" when it accepts the bytes.
std::string error_of(const FrameLayout& layout, const std::string& bytes) {
  try {
    mpq::unframe(layout, bytes, "f.bin");
  } catch (const mpq::Error& e) {
    return e.what();
  }
  return "";
}

void check_error(const FrameLayout& layout, const std::string& bytes, const std::string& expected) {
  const std::string message = error_of(layout, bytes);
  BOOST_TEST(message.rfind("f.bin: ", 0) == 0u, layout.kind << ": " << message);
  BOOST_TEST(message.find(expected) != std::string::npos, layout.kind << ": '" << message << "' lacks '" << expected << "'");
  BOOST_TEST(message.find('\n') == std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame)

BOOST_AUTO_TEST_CASE(frames_have_the_bytes_of_files_written_before) {
  const uint32_t crc = mpq::crc32(kPayload.data(), kPayload.size());
  mpq::ByteWriter checkpoint;
  checkpoint.raw("MPQC", 4);
  checkpoint.u32(1);
  checkpoint.u64(kPayload.size());
  checkpoint.u32(crc);
  checkpoint.raw(kPayload.data(), kPayload.size());
  BOOST_TEST(mpq::frame(kCheckpoint, kPayload) == checkpoint.bytes());

  mpq::ByteWriter search;
  search.raw("MPQS", 4);
  search.u32(1);
  search.u32(crc);
  search.raw(kPayload.data(), kPayload.size());
  BOOST_TEST(mpq::frame(kSearch, kPayload) == search.bytes());

  mpq::ByteWriter agent;
  agent.str("mpq-ddpg-state");
  agent.u32(1);
  agent.raw(kPayload.data(), kPayload.size());
  agent.u32(mpq::crc32(agent.bytes().data(), agent.bytes().size()));
  BOOST_TEST(mpq::frame(kAgent, kPayload) == agent.bytes());
}

BOOST_AUTO_TEST_CASE(unframe_returns_the_payload_of_every_layout) {
  for (const FrameLayout& layout : kLayouts) {
    BOOST_TEST(payload_of(layout, mpq::frame(layout, kPayload)) == kPayload, layout.kind);
    BOOST_TEST(payload_of(layout, mpq::frame(layout, "")).empty(), layout.kind);
  }
}

BOOST_AUTO_TEST_CASE(a_foreign_file_is_a_bad_magic) {
  for (const FrameLayout& layout : kLayouts) {
    check_error(layout, "PK\x03\x04 a zip archive, not a state file", "bad magic");
    std::string framed = mpq::frame(layout, kPayload);
    framed[layout.magic_form == MagicForm::string ? 5 : 1] ^= 0x20;
    check_error(layout, framed, std::string("not a libmpq ") + layout.kind);
  }
  // Another layout's file: the search state is not a checkpoint.
  check_error(kCheckpoint, mpq::frame(kSearch, kPayload), "expected 'MPQC'");
}

BOOST_AUTO_TEST_CASE(a_file_shorter_than_its_envelope_is_truncated) {
  for (const FrameLayout& layout : kLayouts) {
    const std::string framed = mpq::frame(layout, "");
    check_error(layout, "", "truncated");
    check_error(layout, framed.substr(0, 2), "truncated");  // a prefix of the magic
    check_error(layout, framed.substr(0, framed.size() - 1), "truncated");
  }
}

BOOST_AUTO_TEST_CASE(another_version_is_unsupported) {
  for (const FrameLayout& layout : kLayouts) {
    std::string framed = mpq::frame(layout, kPayload);
    const size_t version_at = layout.magic_form == MagicForm::string ? 4 + 14 : 4;
    framed[version_at] = 9;
    check_error(layout, framed, std::string(layout.kind) + " version 9, this build reads version 1");
  }
}

BOOST_AUTO_TEST_CASE(a_changed_byte_is_a_crc_mismatch) {
  for (const FrameLayout& layout : kLayouts) {
    const std::string framed = mpq::frame(layout, kPayload);
    const mpq::FramePayload p = mpq::unframe(layout, framed, "f.bin");
    std::string in_payload = framed, in_crc = framed;
    in_payload[(p.begin + p.end) / 2] ^= 0x10;
    check_error(layout, in_payload, "checksum mismatch");
    const size_t crc_at = layout.crc_place == CrcPlace::trailer ? framed.size() - 4 : (layout.payload_size ? 16 : 8);
    in_crc[crc_at] ^= 0x01;
    check_error(layout, in_crc, "checksum mismatch");
  }
}

BOOST_AUTO_TEST_CASE(a_payload_shorter_or_longer_than_the_header_says_is_truncated_or_padded) {
  const std::string framed = mpq::frame(kCheckpoint, kPayload);
  check_error(kCheckpoint, framed.substr(0, framed.size() - 5), "truncated or padded checkpoint");
  check_error(kCheckpoint, framed + "x", "truncated or padded checkpoint");
  // Without a size field, a cut or an extra byte is caught by the CRC.
  for (const FrameLayout& layout : {kSearch, kAgent}) {
    const std::string other = mpq::frame(layout, kPayload);
    check_error(layout, other.substr(0, other.size() - 5), "checksum mismatch");
    check_error(layout, other + "x", "checksum mismatch");
  }
}

BOOST_AUTO_TEST_SUITE_END()
