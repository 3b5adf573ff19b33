#include "libmpq/core/stage_times.hpp"

#include <cstdio>

namespace mpq {

WorkUnits& WorkUnits::operator+=(const WorkUnits& o) {
  evaluations += o.evaluations;
  train_batches += o.train_batches;
  val_images += o.val_images;
  return *this;
}

WorkUnits WorkUnits::operator-(const WorkUnits& o) const {
  WorkUnits w;
  w.evaluations = evaluations - o.evaluations;
  w.train_batches = train_batches - o.train_batches;
  w.val_images = val_images - o.val_images;
  return w;
}

const char* stage_status_name(StageStatus s) {
  switch (s) {
    case StageStatus::ran: return "ran";
    case StageStatus::skipped: return "skipped";
    case StageStatus::resumed: return "resumed";
  }
  return "?";
}

namespace {

std::string row(const std::string& name, const std::string& status, double seconds, const WorkUnits& w,
                const std::string& note) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-44s %-8s %8.1f %6lld %9lld %11lld  %s\n", name.c_str(), status.c_str(), seconds,
                static_cast<long long>(w.evaluations), static_cast<long long>(w.train_batches),
                static_cast<long long>(w.val_images), note.c_str());
  return buf;
}

}  // namespace

std::string stage_table(const std::vector<StageTime>& stages) {
  char head[256];
  std::snprintf(head, sizeof head, "%-44s %-8s %8s %6s %9s %11s  %s\n", "stage", "status", "seconds", "evals",
                "batches", "val images", "note");
  std::string out = head;
  double total = 0;
  WorkUnits sum;
  for (const auto& s : stages) {
    out += row(s.name, stage_status_name(s.status), s.seconds, s.work, s.note);
    total += s.seconds;
    sum += s.work;
  }
  out += row("total", "", total, sum, "");
  return out;
}

}  // namespace mpq
