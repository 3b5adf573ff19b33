#pragma once

#include <map>
#include <string>

namespace mpq {

// The re-scores of agent policies (rescore_agent_policies) kept on disk, so that a rerun
// of a finished or killed search skips the longer fine-tunes it already did. One JSON
// file holds the scores of every settings string it has seen ("settings" names the
// evaluation options and the float model's weights): scores made under other settings are
// never returned. Written atomically after each new score (by rank 0 of an MPI job). A file that is not a re-score
// file (corrupted, or edited) is an Error naming it: it is never overwritten silently.
class RescoreStore {
 public:
  // Reads `path` when it exists. An empty path keeps nothing on disk.
  RescoreStore(std::string path, std::string settings);

  // The stored score of a policy (Policy::key()) under this store's settings, or -1.
  double find(const std::string& key) const;
  void add(const std::string& key, double accuracy);
  size_t size() const;

 private:
  std::string path_, settings_;
  std::map<std::string, std::map<std::string, double>> by_settings_;
};

}  // namespace mpq
