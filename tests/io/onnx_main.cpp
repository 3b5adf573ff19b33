// test_onnx's main: writes the ONNX fixtures with tests/io/make_onnx_fixtures.py (Debian's
// python3-torch, python3-torchvision and python3-onnx) into a fresh folder, then runs the
// suites; without them it prints why (python's errors) and exits 77, which meson reports
// as SKIP.
#define BOOST_TEST_MODULE onnx
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli_helpers.hpp"
#include "onnx_fixtures.hpp"
#include "temp_dir.hpp"

namespace mpq_onnx_test {
std::string g_fixture_dir;
const std::string& fixture_dir() { return g_fixture_dir; }
}  // namespace mpq_onnx_test

int main(int argc, char* argv[]) {
  const mpq::test::TempDir dir("onnx");  // removed when main returns
  const std::string command =
      std::string(MPQ_PYTHON) + " " + MPQ_ONNX_FIXTURE_SCRIPT + " " + dir.path() + " 2>" + dir.file("log");
  const int status = std::system(command.c_str());
  if (status != 0) {
    std::printf("SKIP: %s could not write the ONNX fixtures (needs python3-torch, python3-torchvision and "
                "python3-onnx); it said:\n%s\n",
                MPQ_PYTHON, mpq_cli_test::slurp(dir.file("log")).c_str());
    return 77;
  }
  mpq_onnx_test::g_fixture_dir = dir.path();
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
