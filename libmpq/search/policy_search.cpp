#include "libmpq/search/policy_search.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/core/frame.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/dist/ranks.hpp"
#include "libmpq/mcu/patch_plan.hpp"
#include "libmpq/rl/truncated_normal.hpp"
#include "libmpq/search/score_on_ranks.hpp"

namespace mpq {

namespace {

constexpr FrameLayout kStateFrame{"search state", "MPQS", MagicForm::bytes, /*payload_size=*/false,
                                  CrcPlace::header, /*version=*/1};

// The bits a step decides: its decision's weight or activation bits.
int& step_bits(Policy& policy, const SearchStep& step) {
  auto& layer = policy.layers[static_cast<size_t>(step.decision)];
  return step.weights ? layer.w_bits : layer.a_bits;
}

// Marks a weight-only search's fingerprint (resume() names the mode when it differs).
constexpr const char* kWeightOnlyMark = "|weights-only";

// splitmix64's finalizer: a bijection that spreads every input bit over the output.
uint64_t mix_bits(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The exploration noise of one actor of one agent round (K > 1): a generator of the seed,
// the round and the actor alone, so that an actor draws the same noise whichever rank
// scores its policy, whichever actors were proposed before it, and after a resume.
Rng actor_noise(uint64_t seed, int64_t round, int64_t actor) {
  return Rng(mix_bits(mix_bits(mix_bits(seed ^ 0xac7025ULL) ^ static_cast<uint64_t>(round)) ^
                      static_cast<uint64_t>(actor)));
}

DdpgOptions agent_options(DdpgOptions o, const SearchSpace& space, uint64_t seed) {
  o.state_size = state_size(space);
  o.action_size = 1;
  o.seed = seed;
  return o;
}

}  // namespace

PolicySearch::PolicySearch(const SearchSpace& space, const MemoryBudget& budget, PolicyEvaluator& evaluator,
                           SearchOptions options)
    : space_(space),
      budget_(budget),
      evaluator_(evaluator),
      options_(std::move(options)),
      agent_(agent_options(options_.agent, space, options_.seed)),
      random_rng_(options_.seed ^ 0x5eed5eedULL) {
  require(options_.episodes >= 1, "search: episodes must be at least 1");
  require(options_.warmup >= 0 && options_.warmup <= options_.episodes, "search: warm-up must be within the episodes");
  require(options_.actors >= 1, "search: actors per round must be at least 1");
  if (options_.random_search < 0) options_.random_search = options_.episodes;
  require(space_.weights_only == budget_.weights_only,
          "search: the search space and the budget disagree on weight-only mode");
  check_budget_feasible(space_.graph, budget_);
  // With code counted (a board), the agent's FLASH feature is measured as the budget is
  // checked, blob and code; the patch stage's few bytes of records are left out of it.
  if (budget_.code.counted())
    flash_of_ = [this](const Policy& p) {
      MemoryBudget layer_by_layer = budget_;
      layer_by_layer.patch = {};
      return budget_memory(space_.graph, p, layer_by_layer).flash_bytes;
    };
}

int64_t PolicySearch::total_episodes() const { return options_.episodes + options_.random_search; }

int64_t PolicySearch::round_end(int64_t episode) const {
  const int64_t k = options_.actors, round = (episode - options_.warmup) / k;
  return std::min(options_.episodes, options_.warmup + (round + 1) * k);
}

bool PolicySearch::finished() const { return static_cast<int64_t>(records_.size()) >= total_episodes(); }

const Policy& PolicySearch::best_policy(const std::string& phase) const {
  require(phase == "random" ? best_random_acc_ >= 0 : best_agent_acc_ >= 0, "search: no " + phase + " episode has run");
  return phase == "random" ? best_random_ : best_agent_;
}

double PolicySearch::best_accuracy(const std::string& phase) const {
  return phase == "random" ? best_random_acc_ : best_agent_acc_;
}

void PolicySearch::run(const std::function<void(const EpisodeRecord&)>& on_episode) {
  while (!finished()) {
    run_episode(static_cast<int64_t>(records_.size()));
    if (!options_.state_path.empty() && dist::is_root()) save();
    if (on_episode) on_episode(records_.back());
  }
}

Policy PolicySearch::propose(int64_t episode, std::vector<std::vector<float>>& states, std::vector<float>& actions) {
  const bool random_phase = episode >= options_.episodes;
  const bool warmup = !random_phase && episode < options_.warmup;
  const bool own_noise = !random_phase && !warmup && options_.actors > 1;
  const int64_t agent_episode = episode - options_.warmup;
  Rng noise = actor_noise(options_.seed, own_noise ? agent_episode / options_.actors : 0,
                          own_noise ? agent_episode % options_.actors : 0);
  Policy policy = uniform_policy(space_.graph, 8, 8);
  states.clear();
  actions.clear();
  float previous = 0.f;
  for (size_t t = 0; t < space_.steps.size(); ++t) {
    std::vector<float> s = state_features(space_, t, policy, previous, budget_.flash, budget_.ram, flash_of_);
    float a;
    if (random_phase) a = random_rng_.uniform();
    else if (warmup) a = agent_.random_action()[0];
    else if (!own_noise) a = agent_.select_action(s, /*explore=*/true)[0];
    // The round's networks and sigma are those of every actor of the round: the agent
    // changes only at the round's end.
    else
      a = sample_truncated_normal(noise, agent_.select_action(s, /*explore=*/false)[0], agent_.noise_sigma(), 0.f, 1.f);
    step_bits(policy, space_.steps[t]) = bits_from_action(a);
    states.push_back(std::move(s));
    actions.push_back(a);
    previous = a;
  }
  return policy;
}

double PolicySearch::bar(int64_t episode) const {
  const bool random_phase = episode >= options_.episodes;
  if (evaluator_.options().fidelity != Fidelity::halving) return random_phase ? best_random_acc_ : best_agent_acc_;
  // Halving's bar is on the short scale: the best reward (short score) of the phase.
  return random_phase ? best_random_reward_ : best_agent_reward_;
}

void PolicySearch::note_reward(const EpisodeRecord& r) {
  double& best = r.phase == "random" ? best_random_reward_ : best_agent_reward_;
  best = std::max(best, r.reward);
}

void PolicySearch::score_ahead(int64_t episode) {
  const bool random_phase = episode >= options_.episodes;
  const double bar = this->bar(episode);
  // Warm-up actions and random-search actions come from generators that no score
  // influences (observe() draws nothing), and so do the actors of one agent round (the
  // agent learns at the round's end); otherwise an agent episode learns from the previous
  // score, and early rejection needs the best score so far as the bar.
  const bool warmup = !random_phase && episode < options_.warmup;
  const bool independent =
      evaluator_.options().fidelity == Fidelity::full && (random_phase || warmup || options_.actors > 1);
  const int64_t phase_end =
      random_phase ? total_episodes() : (!independent ? episode + 1 : (warmup ? options_.warmup : round_end(episode)));
  const Rng::State agent_rng = agent_.rng_state(), random_rng = random_rng_.state();
  std::vector<Candidate> candidates;
  std::set<std::string> fresh;
  std::vector<std::vector<float>> states;
  std::vector<float> actions;
  for (int64_t e = episode; e < phase_end && static_cast<int64_t>(fresh.size()) < dist::size(); ++e) {
    Policy policy = propose(e, states, actions);
    enforce_budget(space_.graph, policy, budget_);
    if (!evaluator_.has_score(policy, bar)) fresh.insert(policy.key());
    candidates.push_back({std::move(policy), bar});
    if (!independent) break;
  }
  agent_.set_rng_state(agent_rng);
  random_rng_.set_state(random_rng);
  score_on_ranks(evaluator_, candidates);
}

void PolicySearch::run_episode(int64_t episode) {
  Timer timer;
  if (dist::size() > 1) score_ahead(episode);
  const bool random_phase = episode >= options_.episodes;
  const bool warmup = !random_phase && episode < options_.warmup;
  std::vector<std::vector<float>> states;
  std::vector<float> actions;
  Policy policy = propose(episode, states, actions);
  const Policy chosen = policy;
  const MemoryReport memory = enforce_budget(space_.graph, policy, budget_);
  const double accuracy = evaluator_.accuracy(policy, bar(episode));
  const bool rejected = evaluator_.rejected().count(policy.key()) > 0;
  if (options_.learn_enforced && !random_phase && !(policy == chosen)) {
    // Replay the episode along the enforced policy (see SearchOptions::learn_enforced).
    Policy replay = uniform_policy(space_.graph, 8, 8);
    float previous = 0.f;
    for (size_t t = 0; t < space_.steps.size(); ++t) {
      const int bits = step_bits(policy, space_.steps[t]);
      states[t] = state_features(space_, t, replay, previous, budget_.flash, budget_.ram, flash_of_);
      if (bits_from_action(actions[t]) != bits) actions[t] = action_from_bits(bits);
      step_bits(replay, space_.steps[t]) = bits;
      previous = actions[t];
    }
  }

  EpisodeRecord r;
  r.episode = episode;
  r.phase = random_phase ? "random" : (warmup ? "warmup" : "agent");
  r.bits = policy.key();
  r.flash = memory.flash_bytes;
  r.ram = memory.ram_bytes;
  r.accuracy = accuracy;
  // Halving's scores are on two scales (short, or full when promoted): the agent learns
  // from the short one alone, which every candidate has.
  r.reward = evaluator_.short_score(policy);
  if (!random_phase) {
    for (size_t t = 0; t < states.size(); ++t) {
      const bool last = t + 1 == states.size();
      agent_.observe({states[t], {actions[t]}, static_cast<float>(r.reward), last ? states[t] : states[t + 1], last});
    }
    if (!warmup && episode + 1 == round_end(episode)) {
      // The round's learning: as much per episode as with one actor (every episode has
      // the same number of steps).
      const int64_t round_episodes = (episode - options_.warmup) % options_.actors + 1;
      for (int64_t e = 0; e < round_episodes; ++e) {
        for (size_t t = 0; t < states.size(); ++t) agent_.update();
        agent_.decay_noise();
      }
    }
    if (!rejected && accuracy > best_agent_acc_) {
      best_agent_acc_ = accuracy;
      best_agent_ = policy;
    }
  } else if (!rejected && accuracy > best_random_acc_) {
    best_random_acc_ = accuracy;
    best_random_ = policy;
  }
  r.seconds = timer.seconds();
  records_.push_back(r);
  note_reward(r);
}

std::string PolicySearch::fingerprint() const {
  const EvalOptions& e = evaluator_.options();
  const DdpgOptions& a = options_.agent;
  std::string f = space_.graph.spec.to_string() + "|flash " + std::to_string(budget_.flash) + "|ram " +
                  std::to_string(budget_.ram) + "|episodes " + std::to_string(options_.episodes) + "|warmup " +
                  std::to_string(options_.warmup) + "|random " + std::to_string(options_.random_search) + "|seed " +
                  std::to_string(options_.seed) + "|eval " + std::to_string(e.finetune_batches) + "," +
                  std::to_string(e.batch_size) + "," + std::to_string(e.lr) + "," + std::to_string(e.calibration_images) +
                  "," + std::to_string(e.val_images) + "," + std::to_string(e.seed) + "|agent " +
                  std::to_string(a.actor_lr) + "," + std::to_string(a.critic_lr) + "," + std::to_string(a.tau) + "," +
                  std::to_string(a.batch_size) + "," + std::to_string(a.noise_sigma) + "," + std::to_string(a.noise_decay) +
                  (options_.learn_enforced ? "|learn enforced" : "") + (budget_.weights_only ? kWeightOnlyMark : "");
  for (int64_t h : a.actor_hidden) f += "," + std::to_string(h);
  // Code in the FLASH budget (a board's) extends it: a search resumed with another --code
  // would mix budgets; blob-only states of earlier versions stay resumable.
  if (budget_.code.counted()) f += "|code " + budget_.code.text();
  // Only a cheaper fidelity extends the fingerprint: full-fidelity states of earlier
  // versions stay resumable.
  if (e.fidelity != Fidelity::full)
    f += std::string("|fidelity ") + fidelity_name(e.fidelity) + "," +
         (e.fidelity == Fidelity::halving ? std::to_string(e.short_batches) + "," + std::to_string(e.short_images) +
                                                "," + std::to_string(e.promote_margin)
                                          : std::to_string(e.reject_chunk) + "," + std::to_string(e.reject_margin));
  // Likewise several actors per round (one is the loop of earlier versions).
  if (options_.actors != 1) f += "|actors " + std::to_string(options_.actors);
  // Likewise a quantizer choice other than the pact of earlier versions.
  if (e.quantizer != QuantizerChoice::pact) f += std::string("|quantizer ") + quantizer_choice_name(e.quantizer);
  // Likewise a patch stage: it changes every policy's RAM, hence enforcement and scores.
  if (budget_.patch.enabled())
    f += "|patch " + budget_.patch.request + "," + std::to_string(budget_.patch.max_overhead);
  // Likewise a streamed input (whole, the default, leaves the fingerprint as it was).
  if (budget_.patch.stream_input) f += "|patch-input stream";
  // Likewise in-place pairs: every arena moves ("|inplace depthwise" as before all existed).
  if (budget_.patch.inplace != InplaceKinds::none) f += std::string("|inplace ") + inplace_option_word(budget_.patch.inplace);
  return f;
}

void PolicySearch::save() const { write_file_atomically(options_.state_path, state_bytes()); }

std::string PolicySearch::state_bytes() const {
  ByteWriter w;
  w.str(fingerprint());
  w.str(agent_.save_state());
  const Rng::State rs = random_rng_.state();
  for (uint64_t s : rs.s) w.u64(s);
  w.u8(rs.has_spare ? 1 : 0);
  w.f32(rs.spare);
  w.u32(static_cast<uint32_t>(records_.size()));
  for (const auto& r : records_) write_episode_record(w, r);
  auto& cache = evaluator_.cache();
  w.u32(static_cast<uint32_t>(cache.size()));
  for (const auto& kv : cache) {
    w.str(kv.first);
    w.f64(kv.second);
  }
  w.f64(best_agent_acc_);
  w.str(best_agent_acc_ >= 0 ? policy_to_json(best_agent_) : "");
  w.f64(best_random_acc_);
  w.str(best_random_acc_ >= 0 ? policy_to_json(best_random_) : "");
  if (evaluator_.options().fidelity != Fidelity::full) {
    // Which cached scores were rejected early (appended: full-fidelity states keep the
    // earlier layout).
    auto& rejected = evaluator_.rejected();
    w.u32(static_cast<uint32_t>(rejected.size()));
    for (const auto& kv : rejected) {
      w.str(kv.first);
      w.f64(kv.second);
    }
  }
  if (evaluator_.options().fidelity == Fidelity::halving) {
    auto& short_scores = evaluator_.short_scores();
    w.u32(static_cast<uint32_t>(short_scores.size()));
    for (const auto& kv : short_scores) {
      w.str(kv.first);
      w.f64(kv.second);
    }
  }
  return frame(kStateFrame, w.bytes());
}

void PolicySearch::resume() {
  const std::string& path = options_.state_path;
  const std::string bytes = read_file(path);
  const FramePayload payload = unframe(kStateFrame, bytes, path);
  ByteReader r(bytes, path, payload.begin, payload.end);
  const std::string f = r.str("fingerprint");
  const bool state_weight_only = f.find(kWeightOnlyMark) != std::string::npos;
  if (state_weight_only != budget_.weights_only)
    throw SearchSettingsMismatch(path + ": holds a " +
                                 (state_weight_only ? "weight-only (--weights-only)" : "weights-and-activations") +
                                 " search; resume it in that mode or choose another --out");
  if (f != fingerprint())
    throw SearchSettingsMismatch(path + ": belongs to a search with other settings (" + f +
                                 "); use the same options or another --out");
  // All or nothing: the whole state is read and checked into copies, and only then
  // replaces the search's (and its evaluator's cache), so that a state that fails anywhere
  // leaves the search as it was, and a search resumed twice holds the second state alone.
  const std::string agent_state = r.str("agent state");
  Rng::State rs;
  for (auto& s : rs.s) s = r.u64("random-search rng");
  rs.has_spare = r.flag("random-search rng");
  rs.spare = r.f32("random-search rng");
  std::vector<EpisodeRecord> records;
  const uint32_t n = r.u32("episode count");
  for (uint32_t i = 0; i < n; ++i) records.push_back(read_episode_record(r));
  std::map<std::string, double> cache;
  const uint32_t c = r.u32("cache size");
  for (uint32_t i = 0; i < c; ++i) {
    std::string k = r.str("cache key");
    cache[k] = r.f64("cache value");
  }
  // The search's one entry for policies from outside: validated here, never in its loops.
  // A phase without a best policy resumes with none, as a new search has.
  auto read_best = [&](const char* field, const std::string& what) {
    const std::string json = r.str(field);
    if (json.empty()) return Policy{};
    Policy p = policy_from_json(json, path);
    validate_policy(p, space_.graph, path + " (" + what + ")");
    return p;
  };
  const double best_agent_acc = r.f64("best accuracy");
  Policy best_agent = read_best("best policy", "best policy");
  const double best_random_acc = r.f64("best random accuracy");
  Policy best_random = read_best("best random policy", "best random policy");
  std::map<std::string, double> rejected;
  if (evaluator_.options().fidelity != Fidelity::full) {
    const uint32_t k = r.u32("rejected count");
    for (uint32_t i = 0; i < k; ++i) {
      std::string key = r.str("rejected key");
      require(cache.count(key) == 1, path + ": rejected policy " + key + " has no cached score");
      rejected[key] = r.f64("rejected bound");
    }
  }
  std::map<std::string, double> short_scores;
  if (evaluator_.options().fidelity == Fidelity::halving) {
    const uint32_t k = r.u32("short score count");
    for (uint32_t i = 0; i < k; ++i) {
      std::string key = r.str("short score key");
      require(cache.count(key) == 1, path + ": short-scored policy " + key + " has no cached score");
      short_scores[key] = r.f64("short score");
    }
    for (const auto& kv : cache)
      require(short_scores.count(kv.first) == 1, path + ": cached policy " + kv.first + " has no short score");
  }
  agent_.load_state(agent_state);  // all or nothing itself: the last step that can fail

  random_rng_.set_state(rs);
  records_ = std::move(records);
  best_agent_reward_ = best_random_reward_ = -1;
  for (const EpisodeRecord& e : records_) note_reward(e);
  evaluator_.cache() = std::move(cache);
  evaluator_.rejected() = std::move(rejected);
  evaluator_.short_scores() = std::move(short_scores);
  best_agent_acc_ = best_agent_acc;
  best_agent_ = std::move(best_agent);
  best_random_acc_ = best_random_acc;
  best_random_ = std::move(best_random);
}

}  // namespace mpq
