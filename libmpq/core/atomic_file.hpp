#pragma once

#include <string>
#include <vector>

namespace mpq {

// Writes `bytes` to `path` so that a reader (or a run killed half-way) sees either the
// old file or the complete new one, never a torn one: write to "<path>.tmp", flush and
// fsync, then rename over the target.
void write_file_atomically(const std::string& path, const std::string& bytes);

// Reads a whole file; throws Error naming the path when it cannot.
std::string read_file(const std::string& path);

bool file_exists(const std::string& path);

// Creates the folder that will hold `file_path` (and its parents) if missing.
void make_parent_directories(const std::string& file_path);

}  // namespace mpq
