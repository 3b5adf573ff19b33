#include "libmpq/search/rescore_store.hpp"

#include <nlohmann/json.hpp>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/dist/ranks.hpp"

namespace mpq {

namespace {
constexpr const char* kFormat = "mpq re-scores 1";
}

RescoreStore::RescoreStore(std::string path, std::string settings)
    : path_(std::move(path)), settings_(std::move(settings)) {
  if (path_.empty() || !file_exists(path_)) return;
  const std::string fix = ": remove it to re-score from scratch";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path_));
  } catch (const nlohmann::json::exception&) {
    throw Error(path_ + ": not valid JSON (a corrupted re-score file)" + fix);
  }
  if (!j.is_object() || j.value("format", "") != kFormat || !j.contains("entries") || !j["entries"].is_array())
    throw Error(path_ + ": expected \"format\": \"" + kFormat + "\" and an \"entries\" array" + fix);
  for (const auto& e : j["entries"]) {
    if (!e.is_object() || !e.contains("settings") || !e["settings"].is_string() || !e.contains("scores") ||
        !e["scores"].is_object())
      throw Error(path_ + ": an entry without a \"settings\" string and a \"scores\" object" + fix);
    auto& scores = by_settings_[e["settings"].get<std::string>()];
    for (const auto& [key, value] : e["scores"].items()) {
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1)
        throw Error(path_ + ": score of " + key + " is not an accuracy in [0, 1]" + fix);
      scores[key] = value.get<double>();
    }
  }
}

double RescoreStore::find(const std::string& key) const {
  auto s = by_settings_.find(settings_);
  if (s == by_settings_.end()) return -1;
  auto it = s->second.find(key);
  return it == s->second.end() ? -1 : it->second;
}

size_t RescoreStore::size() const {
  auto s = by_settings_.find(settings_);
  return s == by_settings_.end() ? 0 : s->second.size();
}

void RescoreStore::add(const std::string& key, double accuracy) {
  by_settings_[settings_][key] = accuracy;
  // On several MPI ranks every rank holds the same scores; rank 0 keeps them.
  if (path_.empty() || !dist::is_root()) return;
  make_parent_directories(path_);
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [settings, scores] : by_settings_) entries.push_back({{"settings", settings}, {"scores", scores}});
  write_file_atomically(path_, nlohmann::json{{"format", kFormat}, {"entries", entries}}.dump(1) + "\n");
}

}  // namespace mpq
