// test_onnx's main: writes the ONNX fixtures with tests/io/make_onnx_fixtures.py (Debian's
// python3-torch and python3-onnx) into a fresh folder, then runs the suites; without torch
// it prints why and exits 77, which meson reports as SKIP.
#define BOOST_TEST_MODULE onnx
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "onnx_fixtures.hpp"

namespace mpq_onnx_test {
std::string g_fixture_dir;
const std::string& fixture_dir() { return g_fixture_dir; }
}  // namespace mpq_onnx_test

int main(int argc, char* argv[]) {
  char dir[] = "/tmp/mpq_onnx_XXXXXX";
  if (!mkdtemp(dir)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string command =
      std::string(MPQ_PYTHON) + " " + MPQ_ONNX_FIXTURE_SCRIPT + " " + dir + " 2>" + dir + "/log";
  const int status = std::system(command.c_str());
  if (status != 0) {
    std::printf("SKIP: %s could not write the ONNX fixtures (needs python3-torch and python3-onnx; see %s/log)\n",
                MPQ_PYTHON, dir);
    return 77;
  }
  mpq_onnx_test::g_fixture_dir = dir;
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
