#include "apps/firmware/stack_usage.hpp"

namespace mpq::firmware {

namespace {
constexpr uint32_t kPattern = 0xA5C3A5C3u;
uintptr_t g_top = 0;     // the stack pointer when painting
uint32_t g_window = 0;

uintptr_t stack_pointer() {
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}
}  // namespace

void paint_stack(uint32_t window_bytes) {
  g_top = stack_pointer() & ~uintptr_t{3};
  g_window = window_bytes & ~3u;
  // Below the stack pointer nothing is live; volatile keeps the stores.
  volatile uint32_t* p = reinterpret_cast<volatile uint32_t*>(g_top - g_window);
  for (uint32_t i = 0; i < g_window / 4; ++i) p[i] = kPattern;
}

uint32_t painted_stack_used() {
  const volatile uint32_t* p = reinterpret_cast<const volatile uint32_t*>(g_top - g_window);
  uint32_t untouched = 0;
  while (untouched < g_window / 4 && p[untouched] == kPattern) ++untouched;
  return g_window - 4 * untouched;
}

}  // namespace mpq::firmware
