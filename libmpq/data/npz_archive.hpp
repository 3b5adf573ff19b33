#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "libmpq/data/npy_array.hpp"

namespace mpq {

// The arrays of a .npz file (what numpy.savez and numpy.savez_compressed write: a zip
// archive of NAME.npy members, stored or deflated, with zip64 records when NumPy adds
// them), keyed by NAME. Members whose names do not end in .npy are skipped. Every size
// the archive declares is checked against the file and against kMaxInputFileBytes in
// all before anything is allocated; each member's CRC-32 is checked. Throws Error
// starting with `what` (the file's name, "x.npz", and for a member "x.npz: x.npy") for
// a truncated or corrupt archive, encryption, split archives, other compression
// methods, duplicate names, or a member that parse_npy refuses.
std::map<std::string, NpyArray> parse_npz(const std::string& bytes, const std::string& what);

// read_file (at most kMaxInputFileBytes) then parse_npz.
std::map<std::string, NpyArray> read_npz(const std::string& path);

// An archive of the arrays as NAME.npy members (encode_npy), deflated or stored: for
// test fixtures and fuzz seeds.
std::string encode_npz(const std::vector<std::pair<std::string, NpyArray>>& arrays, bool deflated);

}  // namespace mpq
