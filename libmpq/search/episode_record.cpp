#include "libmpq/search/episode_record.hpp"

namespace mpq {

void write_episode_record(ByteWriter& w, const EpisodeRecord& record) {
  w.i64(record.episode);
  w.str(record.phase);
  w.str(record.bits);
  w.u32(record.flash);
  w.u32(record.ram);
  w.f64(record.accuracy);
  w.f64(record.reward);
  w.f64(record.seconds);
}

EpisodeRecord read_episode_record(ByteReader& r) {
  EpisodeRecord e;
  e.episode = r.i64("episode");
  e.phase = r.str("phase");
  e.bits = r.str("bits");
  e.flash = r.u32("flash");
  e.ram = r.u32("ram");
  e.accuracy = r.f64("accuracy");
  e.reward = r.f64("reward");
  e.seconds = r.f64("seconds");
  return e;
}

}  // namespace mpq
