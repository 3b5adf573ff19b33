#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mpq {

// Writes `bytes` to `path` so that a reader (or a run killed half-way) sees either the
// old file or the complete new one, never a torn one: write to "<path>.tmp", flush and
// fsync, then rename over the target and fsync the folder (so that a power cut cannot
// undo the rename). Never writes through a symbolic link nor replaces
// anything but a regular file (a link, device, FIFO or folder at `path` is an Error); a
// "<path>.tmp" left by a killed run is removed first, and a link there is not followed.
void write_file_atomically(const std::string& path, const std::string& bytes);

// Test-only crash injection, so that the crash-safety tests (tests/apps/test_cli_crash.cpp)
// can kill a command inside a chosen write: with MPQ_TEST_KILL_DURING_WRITE=<name>:<n>:<bytes>
// in its environment, a process raises SIGKILL in its n-th write_file_atomically of a file
// named <name> (the path's last component, e.g. search.state), after writing <bytes> bytes
// of the temporary file, or, when <bytes> is at least the file's size, after the whole
// temporary file is written and flushed, just before the rename. No mpq command sets it;
// a malformed value is an Error, so that a mistyped test cannot pass without killing.
constexpr const char* kKillDuringWriteVariable = "MPQ_TEST_KILL_DURING_WRITE";

// The largest file read_file accepts unless told otherwise: well above the largest
// input (ImageNet-size weights, IDX data sets: tens of MB), well below what would
// exhaust memory.
constexpr uint64_t kMaxInputFileBytes = uint64_t{1} << 30;

// Reads a whole regular file of at most `max_bytes`; throws Error naming the path when it
// cannot, when the path is not a regular file (a FIFO would block, /dev/zero never ends)
// or when the file is larger.
std::string read_file(const std::string& path, uint64_t max_bytes = kMaxInputFileBytes);

bool file_exists(const std::string& path);

// Creates the folder that will hold `file_path` (and its parents) if missing.
void make_parent_directories(const std::string& file_path);

// When a command may replace a file that already exists at one of its output paths.
struct OutputRule {
  std::string kind;  // what the command writes, for messages: "a model blob (MPQM)"
  // True when the file's first bytes show it is this command's own output (its format's
  // magic, a generated-by line); such a file is replaced without --force.
  std::function<bool(const std::string& head)> is_ours;
  bool force = false;               // --force: replace any regular file
  std::vector<std::string> inputs;  // the files the command reads: never replaced, even with force
};

// Checks `path` before a command writes it: absent is fine; a symbolic link, a device, a
// FIFO or a folder is never replaced; nor is one of rule.inputs (the same file under any
// name); any other existing file only when rule.is_ours says it is this command's output
// or with rule.force. Throws Error naming the path and the way out otherwise.
void check_output_file(const std::string& path, const OutputRule& rule);

}  // namespace mpq
