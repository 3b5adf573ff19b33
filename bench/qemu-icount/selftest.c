// Self-test firmware of the icount plugin: regions whose instruction counts are known
// exactly, because the markers and the regions are written in Thumb-2 assembly (no compiler
// choices). It prints "expect region <i>: <n>" and "expect total: <n>" for
// bench/firmware/icount_table.py --selftest, which compares them with the plugin's counts
// before every benchmark run.
#include <stdint.h>
#include <stdio.h>

// A region counts from the begin marker's first instruction up to, not including, the end
// marker's first instruction: bench_begin's `bx lr` and the `bl bench_end` are its fixed
// overhead of 2.
__asm__(
    "  .syntax unified\n"
    "  .thumb\n"
    "  .section .text.icount_selftest, \"ax\", %progbits\n"
    "  .global bench_begin\n"
    "  .type bench_begin, %function\n"
    "  .thumb_func\n"
    "bench_begin:\n"
    "  bx lr\n"
    "  .global bench_end\n"
    "  .type bench_end, %function\n"
    "  .thumb_func\n"
    "bench_end:\n"
    "  bx lr\n"
    // countdown_region(n), n >= 1: 2 instructions per iteration, 2 n + 2 in all.
    "  .global countdown_region\n"
    "  .type countdown_region, %function\n"
    "  .thumb_func\n"
    "countdown_region:\n"
    "  push {r4, lr}\n"
    "  mov r4, r0\n"
    "  bl bench_begin\n"
    "1:\n"
    "  subs r4, r4, #1\n"
    "  bne 1b\n"
    "  bl bench_end\n"
    "  pop {r4, pc}\n"
    // it_region(): an IT block whose condition is false still counts its instruction (real
    // cores issue it too): movs, cmp, it, moveq, so 4 + 2.
    // nested_region(): an end outside a region and a begin inside one are ignored: bench_begin's
    // bx lr, movs, bl, then countdown_region's push, mov, bl, the ignored bench_begin's
    // bx lr, 3 iterations and its bl bench_end, so 8 + 6.
    "  .global nested_region\n"
    "  .type nested_region, %function\n"
    "  .thumb_func\n"
    "nested_region:\n"
    "  push {r4, lr}\n"
    "  bl bench_end\n"
    "  bl bench_begin\n"
    "  movs r0, #3\n"
    "  bl countdown_region\n"
    "  pop {r4, pc}\n"
    // empty_region(): the overhead alone.
    "  .global empty_region\n"
    "  .type empty_region, %function\n"
    "  .thumb_func\n"
    "empty_region:\n"
    "  push {r4, lr}\n"
    "  bl bench_begin\n"
    "  bl bench_end\n"
    "  pop {r4, pc}\n"
    "  .global it_region\n"
    "  .type it_region, %function\n"
    "  .thumb_func\n"
    "it_region:\n"
    "  push {r4, lr}\n"
    "  bl bench_begin\n"
    "  movs r0, #0\n"
    "  cmp r0, #1\n"
    "  it eq\n"
    "  moveq r0, #5\n"
    "  bl bench_end\n"
    "  pop {r4, pc}\n"
    "  .text\n");

void empty_region(void);
void countdown_region(uint32_t n);
void nested_region(void);
void it_region(void);

static unsigned g_region;
static unsigned long g_total;

static void expect(unsigned long count) {
  printf("expect region %u: %lu\n", g_region++, count);
  g_total += count;
}

int main(void) {
  static const uint32_t countdowns[] = {1, 1000, 12345};
  empty_region();
  expect(2);
  for (unsigned i = 0; i < sizeof countdowns / sizeof countdowns[0]; i++) {
    countdown_region(countdowns[i]);
    expect(2ul * countdowns[i] + 2);
  }
  nested_region();
  expect(14);
  it_region();
  expect(6);
  printf("expect total: %lu\n", g_total);
  return 0;
}
