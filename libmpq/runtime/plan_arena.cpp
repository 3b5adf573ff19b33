#include "libmpq/runtime/plan_arena.hpp"

namespace mpq::rt {

namespace {

uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) & ~(a - 1); }

bool live_together(const ArenaBuffer& a, const ArenaBuffer& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}

constexpr int kOrderCount = 5;

uint32_t lifetime(const ArenaBuffer& b) { return static_cast<uint32_t>(b.last_step - b.first_step) + 1; }

// Strict weak order number `order_kind` (see the header), ties by index.
bool placed_before(const ArenaBuffer* buffers, int order_kind, uint16_t i, uint16_t j) {
  const ArenaBuffer& a = buffers[i];
  const ArenaBuffer& b = buffers[j];
  switch (order_kind) {
    case 1:
      if (a.first_step != b.first_step) return a.first_step < b.first_step;
      break;
    case 2:
      if (lifetime(a) != lifetime(b)) return lifetime(a) > lifetime(b);
      break;
    case 4:
      if (a.first_step != b.first_step) return a.first_step > b.first_step;
      break;
    case 3: {
      const uint64_t area_a = static_cast<uint64_t>(a.size) * lifetime(a);
      const uint64_t area_b = static_cast<uint64_t>(b.size) * lifetime(b);
      if (area_a != area_b) return area_a > area_b;
      break;
    }
    default: break;
  }
  if (a.size != b.size) return a.size > b.size;
  if (a.first_step != b.first_step) return a.first_step < b.first_step;
  return i < j;
}

// First-fit placement in the given order kind; returns the arena size.
uint32_t place(ArenaBuffer* buffers, uint16_t count, uint32_t alignment, uint16_t* order, int order_kind) {
  // Insertion sort: counts are a few hundred at most, and it needs no extra memory.
  for (uint16_t i = 0; i < count; ++i) {
    uint16_t k = i;
    while (k > 0 && placed_before(buffers, order_kind, i, order[k - 1])) {
      order[k] = order[k - 1];
      --k;
    }
    order[k] = i;
  }
  uint32_t arena = 0;
  for (uint16_t n = 0; n < count; ++n) {
    ArenaBuffer& b = buffers[order[n]];
    const uint32_t size = align_up(b.size, alignment);
    // Candidate offsets: 0 and the (aligned) end of every conflicting placed buffer.
    // The lowest candidate that overlaps none of them is the lowest feasible offset.
    uint32_t best = UINT32_MAX;
    for (uint16_t c = 0; c <= n; ++c) {
      uint32_t candidate = 0;
      if (c < n) {
        const ArenaBuffer& p = buffers[order[c]];
        if (!live_together(p, b)) continue;
        candidate = align_up(p.offset + p.size, alignment);
      }
      if (candidate >= best) continue;
      bool fits = true;
      for (uint16_t q = 0; q < n && fits; ++q) {
        const ArenaBuffer& p = buffers[order[q]];
        if (!live_together(p, b) || p.size == 0) continue;
        fits = candidate + size <= p.offset || p.offset + p.size <= candidate;
      }
      if (fits || size == 0) best = candidate;
    }
    b.offset = best;
    if (best + size > arena) arena = best + size;
  }
  return align_up(arena, alignment);
}

}  // namespace

PlanStatus plan_arena(ArenaBuffer* buffers, uint16_t count, uint32_t alignment, uint16_t* order,
                      uint32_t* arena_bytes) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || arena_bytes == nullptr) return PlanStatus::bad_argument;
  if (count > 0 && (buffers == nullptr || order == nullptr)) return PlanStatus::bad_argument;
  for (uint16_t i = 0; i < count; ++i)
    if (buffers[i].last_step < buffers[i].first_step) return PlanStatus::bad_argument;
  int best_kind = 0;
  uint32_t best = UINT32_MAX;
  for (int kind = 0; kind < kOrderCount; ++kind) {
    const uint32_t arena = place(buffers, count, alignment, order, kind);
    if (arena < best) {
      best = arena;
      best_kind = kind;
    }
  }
  // The offsets are those of the last order tried; redo the best one if it was not last.
  if (best_kind != kOrderCount - 1) place(buffers, count, alignment, order, best_kind);
  *arena_bytes = best;
  return PlanStatus::ok;
}

uint32_t arena_lower_bound(const ArenaBuffer* buffers, uint16_t count, uint32_t alignment) {
  uint16_t last = 0;
  for (uint16_t i = 0; i < count; ++i)
    if (buffers[i].last_step > last) last = buffers[i].last_step;
  uint32_t peak = 0;
  for (uint32_t step = 0; step <= last && count > 0; ++step) {
    uint32_t live = 0;
    for (uint16_t i = 0; i < count; ++i)
      if (buffers[i].first_step <= step && step <= buffers[i].last_step) live += align_up(buffers[i].size, alignment);
    if (live > peak) peak = live;
  }
  return peak;
}

}  // namespace mpq::rt
