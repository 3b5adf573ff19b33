#include "libmpq/core/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmpq/core/error.hpp"

namespace mpq {

namespace {

std::string errno_text(int e) { return std::strerror(e); }

// "a symbolic link", "a folder", ... for a non-regular file's lstat mode.
const char* kind_of(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Throws unless `path` is absent or a regular file (not followed when a link).
void require_absent_or_regular(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (!S_ISREG(st.st_mode))
    throw Error(path + ": is " + kind_of(st.st_mode) + ", not a regular file; refusing to replace it");
}

// Removes a "<path>.tmp" left by a killed writer; a link there is removed, not followed.
void remove_stale_temporary(const std::string& tmp) {
  struct stat st;
  if (::lstat(tmp.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) throw Error(tmp + ": is a folder, cannot use it as the temporary file");
  if (::unlink(tmp.c_str()) != 0) throw Error(tmp + ": cannot remove stale temporary file (" + errno_text(errno) + ")");
}

// A decimal number of up to 18 digits, or -1.
long long decimal(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(text);
}

// The crash-safety tests' kill point (kKillDuringWriteVariable in atomic_file.hpp): how
// many bytes of this write's temporary file to write before SIGKILL, or -1 when this
// write is not the one named there (the usual case: the variable is unset).
long long kill_point(const std::string& path) {
  const char* spec = std::getenv(kKillDuringWriteVariable);
  if (spec == nullptr) return -1;
  const std::string text = spec;  // <name>:<n>:<bytes>
  const size_t second = text.rfind(':');
  const size_t first = second == std::string::npos || second == 0 ? std::string::npos : text.rfind(':', second - 1);
  const long long n = first == std::string::npos ? -1 : decimal(text.substr(first + 1, second - first - 1));
  const long long bytes = first == std::string::npos ? -1 : decimal(text.substr(second + 1));
  if (first == 0 || first == std::string::npos || n < 1 || bytes < 0)
    throw Error(std::string(kKillDuringWriteVariable) + "='" + text + "': expected <file name>:<n >= 1>:<bytes>");
  const size_t slash = path.find_last_of('/');
  if (path.substr(slash == std::string::npos ? 0 : slash + 1) != text.substr(0, first)) return -1;
  static std::atomic<long long> writes{0};
  return ++writes == n ? bytes : -1;
}

// The rename is recorded in the folder, whose blocks the kernel flushes when it likes:
// the fsync of the file above makes its bytes durable, not its name. Until the folder
// reaches the disk, a power cut (unlike a kill, after which the kernel still has it) can
// bring back the previous file or none at all, although the command reported success
// and a resumed run would rely on it. A file system that cannot flush a folder (EINVAL)
// or a folder this process cannot open (write and search permission only) leaves the
// rename as durable as the system makes it; an I/O error is an Error.
void flush_folder_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  const int e = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  if (e != 0 && e != EINVAL)
    throw Error(path + ": replaced, but its folder cannot be flushed to disk (" + errno_text(e) + ")");
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& bytes) {
  const long long kill_after = kill_point(path);
  require_absent_or_regular(path);
  const std::string tmp = path + ".tmp";
  remove_stale_temporary(tmp);
  // O_EXCL | O_NOFOLLOW: a link or file created at tmp since the removal is refused.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot write (" + errno_text(errno) + ")");
  const size_t size = kill_after >= 0 && static_cast<unsigned long long>(kill_after) < bytes.size()
                          ? static_cast<size_t>(kill_after) : bytes.size();
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, bytes.data() + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(path + ": write failed (" + errno_text(e) + ")");
    }
    done += static_cast<size_t>(n);
  }
  if (size < bytes.size()) std::raise(SIGKILL);  // torn: the written bytes stay in the file
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot flush to disk");
  }
  if (kill_after >= 0) std::raise(SIGKILL);  // complete but not yet renamed
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot replace (" + errno_text(e) + ")");
  }
  flush_folder_of(path);
}

std::string read_file(const std::string& path, uint64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open (" + errno_text(errno) + ")");
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const std::string kind = ::fstat(fd, &st) == 0 ? kind_of(st.st_mode) : "unreadable";
    ::close(fd);
    throw Error(path + ": is " + kind + ", expected a regular file");
  }
  const auto too_large = [&](uint64_t size) {
    return Error(path + ": is " + std::to_string(size) + " bytes, larger than the " + std::to_string(max_bytes) +
                 "-byte limit for this kind of file");
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    throw too_large(static_cast<uint64_t>(st.st_size));
  }
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  for (;;) {
    if (done == bytes.size()) {
      // The file may have grown since fstat: read on, up to the cap.
      if (bytes.size() > max_bytes) {
        ::close(fd);
        throw too_large(bytes.size());
      }
      bytes.resize(bytes.size() + 4096);
    }
    ssize_t n = ::read(fd, &bytes[done], bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      throw Error(path + ": read failed (" + errno_text(e) + ")");
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(done);
  return bytes;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

void make_parent_directories(const std::string& file_path) {
  const std::filesystem::path parent = std::filesystem::path(file_path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw Error(parent.string() + ": cannot create folder (" + ec.message() + ")");
}

void check_output_file(const std::string& path, const OutputRule& rule) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  require_absent_or_regular(path);
  for (const std::string& input : rule.inputs) {
    struct stat in;
    if (::stat(input.c_str(), &in) == 0 && in.st_dev == st.st_dev && in.st_ino == st.st_ino)
      throw Error(path + ": is also this command's input (" + input + "); choose another output file");
  }
  if (rule.force) return;
  std::string head(4096, '\0');
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : ::read(fd, &head[0], head.size());
  if (fd >= 0) ::close(fd);
  head.resize(n > 0 ? static_cast<size_t>(n) : 0);
  if (n >= 0 && rule.is_ours && rule.is_ours(head)) return;
  throw Error(path + ": exists and is not " + rule.kind + "; pass --force to replace it");
}

}  // namespace mpq
