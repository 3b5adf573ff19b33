// A fresh folder for a test's files, removed with everything in it when the object goes:
// at the end of its test case or program, also when a check failed or an exception ended
// the case, so that test runs do not fill /tmp. Only a killed process leaves its folder.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace mpq::test {

class TempDir {
 public:
  // $TMPDIR (or /tmp)/mpq_<name>_XXXXXX; the name tells whose folder a leftover is.
  explicit TempDir(const std::string& name = "test") {
    std::string pattern = (std::filesystem::temp_directory_path() / ("mpq_" + name + "_XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot make a folder " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;  // a destructor cannot report: a leftover is only untidy
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A fresh folder inside one TempDir per test program, which `name` names on the first
// call: for tests that keep their folder as a plain string. They all go when the program
// ends (after main returns, failed checks or not).
inline std::string temp_folder_of_this_run(const std::string& name) {
  static const TempDir run(name);
  static int made = 0;
  const std::string path = run.file(std::to_string(++made));
  std::filesystem::create_directory(path);
  return path;
}

}  // namespace mpq::test
