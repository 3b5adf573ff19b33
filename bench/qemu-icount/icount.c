/*
 * icount: a QEMU TCG plugin (plugin API 1, QEMU 7.2) that counts the guest instructions a
 * firmware executes between two marker functions, for the benchmark firmware in
 * bench/firmware (see README.md in this folder).
 *
 *   qemu-system-arm ... -plugin libicount.so,begin=0x1e8,end=0x1ec
 *
 * A region runs from the first instruction of the begin marker (included) to the first
 * instruction of the end marker (excluded): the measured code plus a fixed overhead, the
 * begin marker's body and the call of the end marker (2 instructions with the markers of
 * bench/firmware), which an empty region measures. Regions do not nest: a begin inside an
 * open region is ignored, an end outside one too, and both are reported.
 *
 * Every translated instruction gets an inline 64-bit add to one counter (no helper call,
 * so counting costs little), and the first instruction of each marker also a callback that
 * reads the counter. A region is the difference of two readings, so the count does not
 * depend on how QEMU cuts the code into translation blocks, on whether a block is left
 * early, or on whether QEMU runs a marker instruction's add before or after its callback
 * (both readings shift alike). Instructions an IT block skips are counted: the plugin
 * interface reports them as executed.
 *
 * At exit, on stderr: "icount region <i>: <n>" per completed region, then "icount
 * regions: <k>", "icount total: <sum of the regions>" and "icount guest: <all instructions
 * of the run, boot included>", plus "icount warning: ..." lines for unbalanced markers.
 * One counter serves the whole machine: exact on the single-core Cortex-M boards only.
 */
#include <inttypes.h>
#include <qemu-plugin.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* The benchmarks open well under a hundred regions; more are summed but not listed. */
enum { MAX_REGIONS = 4096 };

static uint64_t begin_address, end_address;

/* Written by translated code, which the compiler does not see: read through volatile. */
static uint64_t executed;

static bool region_open;
static uint64_t region_start;
static uint64_t regions[MAX_REGIONS];
static size_t region_count;
static uint64_t unlisted_total; /* regions past MAX_REGIONS */
static uint64_t ignored_begins, ignored_ends;

static uint64_t counter(void) { return *(volatile uint64_t *)&executed; }

static void at_begin(unsigned int vcpu, void *data) {
  (void)vcpu;
  (void)data;
  if (region_open) {
    ignored_begins++;
    return;
  }
  region_open = true;
  region_start = counter();
}

static void at_end(unsigned int vcpu, void *data) {
  (void)vcpu;
  (void)data;
  if (!region_open) {
    ignored_ends++;
    return;
  }
  region_open = false;
  uint64_t n = counter() - region_start;
  if (region_count < MAX_REGIONS) {
    regions[region_count] = n;
  } else {
    unlisted_total += n;
  }
  region_count++;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  for (size_t i = 0, n = qemu_plugin_tb_n_insns(tb); i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
    uint64_t pc = qemu_plugin_insn_vaddr(insn);
    if (pc == begin_address || pc == end_address) {
      qemu_plugin_register_vcpu_insn_exec_cb(insn, pc == begin_address ? at_begin : at_end,
                                             QEMU_PLUGIN_CB_NO_REGS, NULL);
    }
  }
}

static void report(qemu_plugin_id_t id, void *data) {
  (void)id;
  (void)data;
  uint64_t total = unlisted_total;
  size_t listed = region_count < MAX_REGIONS ? region_count : MAX_REGIONS;
  for (size_t i = 0; i < listed; i++) {
    fprintf(stderr, "icount region %zu: %" PRIu64 "\n", i, regions[i]);
    total += regions[i];
  }
  if (region_count > listed) {
    fprintf(stderr, "icount warning: %zu regions past the first %d are in the total only\n",
            region_count - listed, (int)MAX_REGIONS);
  }
  if (region_open) {
    fprintf(stderr,
            "icount warning: the last region never reached the end marker (%" PRIu64
            " instructions, not in the total)\n",
            counter() - region_start);
  }
  if (ignored_begins) {
    fprintf(stderr,
            "icount warning: %" PRIu64
            " begin marker(s) inside an open region "
            "ignored (regions do not nest)\n",
            ignored_begins);
  }
  if (ignored_ends) {
    fprintf(stderr, "icount warning: %" PRIu64 " end marker(s) outside a region ignored\n",
            ignored_ends);
  }
  fprintf(stderr, "icount regions: %zu\n", region_count);
  fprintf(stderr, "icount total: %" PRIu64 "\n", total);
  fprintf(stderr, "icount guest: %" PRIu64 "\n", counter());
  fflush(stderr);
}

/* "begin=ADDR" or "end=ADDR", ADDR as strtoull base 0 reads it; the Thumb bit (bit 0 of a
 * Cortex-M function symbol) is dropped, as instruction addresses are even. */
static bool parse_marker(const char *arg, const char *key, uint64_t *address) {
  size_t key_length = strlen(key);
  if (strncmp(arg, key, key_length) != 0 || arg[key_length] != '=') return false;
  const char *text = arg + key_length + 1;
  char *rest;
  unsigned long long value = strtoull(text, &rest, 0);
  if (*text == '\0' || *text == '-' || *rest != '\0') {
    fprintf(stderr, "icount: error: %s: not an address\n", arg);
    exit(2);
  }
  *address = (uint64_t)value & ~(uint64_t)1;
  return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv) {
  bool have_begin = false, have_end = false;
  for (int i = 0; i < argc; i++) {
    if (parse_marker(argv[i], "begin", &begin_address)) {
      have_begin = true;
    } else if (parse_marker(argv[i], "end", &end_address)) {
      have_end = true;
    } else {
      fprintf(stderr, "icount: error: unknown argument '%s' (begin=ADDR,end=ADDR)\n", argv[i]);
      return -1;
    }
  }
  if (!have_begin || !have_end) {
    fprintf(stderr, "icount: error: needs begin=ADDR,end=ADDR\n");
    return -1;
  }
  if (begin_address == end_address) {
    /* Identical empty bodies folded into one function by the compiler or linker. */
    fprintf(stderr, "icount: error: begin and end marker share address 0x%" PRIx64 "\n",
            begin_address);
    return -1;
  }
  if (info->system_emulation && info->system.smp_vcpus > 1) {
    fprintf(stderr, "icount warning: %d vCPUs share one counter: counts are not exact\n",
            info->system.smp_vcpus);
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, report, NULL);
  return 0;
}
