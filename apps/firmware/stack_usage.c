#include "apps/firmware/stack_usage.h"

static const uint32_t kPattern = 0xA5C3A5C3u;
static uintptr_t g_top;    /* the stack pointer when painting */
static uint32_t g_window;

static uintptr_t stack_pointer(void) {
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

void mpq_paint_stack(uint32_t window_bytes) {
  volatile uint32_t* p;
  uint32_t i;
  g_top = stack_pointer() & ~(uintptr_t)3;
  g_window = window_bytes & ~3u;
  /* Below the stack pointer nothing is live; volatile keeps the stores. */
  p = (volatile uint32_t*)(g_top - g_window);
  for (i = 0; i < g_window / 4; ++i) p[i] = kPattern;
}

uint32_t mpq_painted_stack_used(void) {
  const volatile uint32_t* p = (const volatile uint32_t*)(g_top - g_window);
  uint32_t untouched = 0;
  while (untouched < g_window / 4 && p[untouched] == kPattern) ++untouched;
  return g_window - 4 * untouched;
}
