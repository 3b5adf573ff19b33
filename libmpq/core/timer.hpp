#pragma once

#include <chrono>
#include <string>

namespace mpq {

// Wall-clock stopwatch in seconds.
class Timer {
 public:
  Timer() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void reset() { start_ = std::chrono::steady_clock::now(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// "1h02m", "3m05s", "12.3s": for progress lines and ETAs.
std::string format_duration(double seconds);

}  // namespace mpq
