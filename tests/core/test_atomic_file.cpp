#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>

#include <csignal>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "temp_dir.hpp"

namespace {

std::string temp_dir() { return mpq::test::temp_folder_of_this_run("atomic_file"); }

// The Error's message, or "" when `f` does not throw one.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const mpq::Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

bool is_link(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

mpq::OutputRule starts_with_ok(bool force = false, std::vector<std::string> inputs = {}) {
  return {"an ok file", [](const std::string& head) { return head.compare(0, 2, "ok") == 0; }, force,
          std::move(inputs)};
}

// Runs `writes` in a child process with MPQ_TEST_KILL_DURING_WRITE=`kill_spec`; true when
// the child died of SIGKILL.
template <typename F>
bool killed_in_child(const std::string& kill_spec, F writes) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv(mpq::kKillDuringWriteVariable, kill_spec.c_str(), 1);
    try {
      writes();
    } catch (...) {
    }
    std::_Exit(0);
  }
  int status = 0;
  return pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(atomic_file)

BOOST_AUTO_TEST_CASE(replaces_content_and_leaves_no_temp_file) {
  const std::string dir = temp_dir();
  std::string path = dir + "/f.bin";
  mpq::write_file_atomically(path, "first");
  mpq::write_file_atomically(path, std::string("sec\0nd", 6));
  BOOST_TEST(mpq::read_file(path) == std::string("sec\0nd", 6));
  BOOST_TEST(!mpq::file_exists(path + ".tmp"));
}

BOOST_AUTO_TEST_CASE(unwritable_or_missing_path_is_an_error) {
  BOOST_CHECK_THROW(mpq::write_file_atomically("/nonexistent_dir_mpq/x", "a"), mpq::Error);
  BOOST_CHECK_THROW(mpq::read_file("/nonexistent_dir_mpq/x"), mpq::Error);
}

BOOST_AUTO_TEST_CASE(never_writes_through_a_link_nor_over_a_fifo) {
  const std::string dir = temp_dir();
  mpq::write_file_atomically(dir + "/target", "keep");
  BOOST_TEST(::symlink((dir + "/target").c_str(), (dir + "/link").c_str()) == 0);
  BOOST_TEST(contains(error_of([&] { mpq::write_file_atomically(dir + "/link", "new"); }), "symbolic link"));
  BOOST_TEST(is_link(dir + "/link"));
  BOOST_TEST(mpq::read_file(dir + "/target") == "keep");
  BOOST_TEST(::mkfifo((dir + "/fifo").c_str(), 0600) == 0);
  BOOST_TEST(contains(error_of([&] { mpq::write_file_atomically(dir + "/fifo", "new"); }), "a FIFO"));
}

BOOST_AUTO_TEST_CASE(a_stale_temporary_file_or_link_is_removed_not_followed) {
  const std::string dir = temp_dir();
  mpq::write_file_atomically(dir + "/victim", "keep");
  BOOST_TEST(::symlink((dir + "/victim").c_str(), (dir + "/out.tmp").c_str()) == 0);
  mpq::write_file_atomically(dir + "/out", "new");
  BOOST_TEST(mpq::read_file(dir + "/victim") == "keep");
  BOOST_TEST(mpq::read_file(dir + "/out") == "new");
  BOOST_TEST(!mpq::file_exists(dir + "/out.tmp"));
  mpq::write_file_atomically(dir + "/out2.tmp", "half-written by a killed run");
  mpq::write_file_atomically(dir + "/out2", "whole");
  BOOST_TEST(mpq::read_file(dir + "/out2") == "whole");
  BOOST_TEST(!mpq::file_exists(dir + "/out2.tmp"));
}

BOOST_AUTO_TEST_CASE(reads_regular_files_only_and_up_to_the_cap) {
  const std::string dir = temp_dir();
  BOOST_TEST(::mkfifo((dir + "/fifo").c_str(), 0600) == 0);
  // Would block forever waiting for a writer if opened blocking.
  BOOST_TEST(contains(error_of([&] { mpq::read_file(dir + "/fifo"); }), "a FIFO, expected a regular file"));
  BOOST_TEST(contains(error_of([] { mpq::read_file("/dev/zero"); }), "/dev/zero: is a device"));
  BOOST_TEST(contains(error_of([&] { mpq::read_file(dir); }), "a folder"));
  mpq::write_file_atomically(dir + "/ten", "0123456789");
  BOOST_TEST(mpq::read_file(dir + "/ten", 10) == "0123456789");
  BOOST_TEST(contains(error_of([&] { mpq::read_file(dir + "/ten", 9); }), "10 bytes, larger than the 9-byte limit"));
}

BOOST_AUTO_TEST_CASE(an_output_replaces_only_its_own_kind_of_file_unless_forced) {
  const std::string dir = temp_dir();
  BOOST_TEST(error_of([&] { mpq::check_output_file(dir + "/absent", starts_with_ok()); }).empty());
  mpq::write_file_atomically(dir + "/ours", "ok, written before");
  BOOST_TEST(error_of([&] { mpq::check_output_file(dir + "/ours", starts_with_ok()); }).empty());
  mpq::write_file_atomically(dir + "/theirs", "precious");
  const std::string refused = error_of([&] { mpq::check_output_file(dir + "/theirs", starts_with_ok()); });
  BOOST_TEST(contains(refused, dir + "/theirs: exists and is not an ok file; pass --force"));
  BOOST_TEST(error_of([&] { mpq::check_output_file(dir + "/theirs", starts_with_ok(true)); }).empty());
}

BOOST_AUTO_TEST_CASE(an_output_is_never_an_input_a_link_or_a_device_even_forced) {
  const std::string dir = temp_dir();
  mpq::write_file_atomically(dir + "/in", "ok");
  BOOST_TEST(::link((dir + "/in").c_str(), (dir + "/hard").c_str()) == 0);
  BOOST_TEST(contains(error_of([&] { mpq::check_output_file(dir + "/hard", starts_with_ok(true, {dir + "/in"})); }),
                      "is also this command's input"));
  BOOST_TEST(::symlink((dir + "/in").c_str(), (dir + "/link").c_str()) == 0);
  BOOST_TEST(contains(error_of([&] { mpq::check_output_file(dir + "/link", starts_with_ok(true)); }), "symbolic link"));
  BOOST_TEST(contains(error_of([] { mpq::check_output_file("/dev/full", starts_with_ok(true)); }), "a device"));
}

BOOST_AUTO_TEST_CASE(the_test_kill_point_leaves_the_previous_file_and_a_torn_or_unrenamed_temporary) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/f.bin";
  // Killed after 3 bytes of the second write of f.bin; other files do not count.
  BOOST_TEST(killed_in_child("f.bin:2:3", [&] {
    mpq::write_file_atomically(path, "previous");
    mpq::write_file_atomically(dir + "/other.bin", "x");
    mpq::write_file_atomically(path, "the new one");
  }));
  BOOST_TEST(mpq::read_file(path) == "previous");
  BOOST_TEST(mpq::read_file(path + ".tmp") == "the");
  BOOST_TEST(mpq::read_file(dir + "/other.bin") == "x");
  // At or beyond the size: the whole temporary file, not renamed.
  BOOST_TEST(killed_in_child("f.bin:1:11", [&] { mpq::write_file_atomically(path, "the new one"); }));
  BOOST_TEST(mpq::read_file(path) == "previous");
  BOOST_TEST(mpq::read_file(path + ".tmp") == "the new one");
  // Without the variable, or past the n-th write, nothing happens.
  BOOST_TEST(!killed_in_child("f.bin:2:0", [&] { mpq::write_file_atomically(path, "again"); }));
  BOOST_TEST(mpq::read_file(path) == "again");
  BOOST_TEST(!mpq::file_exists(path + ".tmp"));
  // A malformed value is refused rather than ignored.
  for (const char* bad : {"f.bin:0:3", "f.bin:1", "f.bin:1:-3", ":1:3", "f.bin:x:3", "f.bin:1:3b"}) {
    ::setenv(mpq::kKillDuringWriteVariable, bad, 1);
    BOOST_TEST(contains(error_of([&] { mpq::write_file_atomically(path, "no"); }), "MPQ_TEST_KILL_DURING_WRITE"), bad);
    ::unsetenv(mpq::kKillDuringWriteVariable);
  }
  BOOST_TEST(mpq::read_file(path) == "again");
}

BOOST_AUTO_TEST_SUITE_END()
