#pragma once
// load_model's status for a blob, and a check that names both statuses when they differ:
// shared by the load tests (test_runtime_load*.cpp).
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <vector>

#include "runtime/runtime_fixtures.hpp"

namespace mpq::test {

inline rt::Status load_status(const std::vector<uint8_t>& blob) { return load(blob).status; }

}  // namespace mpq::test

#define CHECK_STATUS(blob, expected)                                                     \
  do {                                                                                  \
    const mpq::rt::Status got_ = mpq::test::load_status(blob);                          \
    BOOST_CHECK_MESSAGE(got_ == (expected), "load_model: " << mpq::rt::status_name(got_) \
                                                           << ", expected "             \
                                                           << mpq::rt::status_name(expected)); \
  } while (0)
