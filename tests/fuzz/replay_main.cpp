// The driver of the fuzz targets in builds without libFuzzer (gcc, -Dfuzz=false): runs
// LLVMFuzzerTestOneInput once on every file given, or in a folder given, so that the
// seed corpora and the regression inputs (tests/fuzz/regressions) run in every build.
// Arguments starting with '-' (libFuzzer's flags) are ignored, so one command line serves
// both drivers.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "libmpq/core/atomic_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') continue;
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg))
        if (entry.is_regular_file()) inputs.push_back(entry.path());
    } else {
      inputs.push_back(arg);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no input files (expected files or folders of them)\n");
    return 1;
  }
  for (const auto& path : inputs) {
    const std::string bytes = mpq::read_file(path.string());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replayed %zu inputs\n", inputs.size());
  return 0;
}
