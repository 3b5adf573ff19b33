#!/usr/bin/env python3
"""Runs benchmark firmware under QEMU with the icount plugin and prints instructions per MAC.

usage: icount_table.py ELF MACHINE RUN_SH PLUGIN [--selftest SELFTEST_ELF] [--markdown]
                       [--model-table]

RUN_SH and PLUGIN are bench/qemu-icount's run.sh and plugin. With --selftest the plugin's
self-test firmware runs first: it prints "expect region <i>: <n>" and "expect total: <n>",
which must equal the plugin's counts, or no figures are printed.
The firmware prints "region <i> <layer> <bits> <macs>" per measured call; the plugin prints
"icount region <i>: <count>" on stderr. Region 0 is the empty marker pair, whose count (the
plugin's fixed overhead) is subtracted from the others. The default table has one row per
layer and one column per bit combination, in instructions per MAC. --model-table reads
model_bench.elf's regions (<model> <call> <macs>, call = load, fast or reference) and
prints one row per model: instructions of load_model and of one inference with the fast
and with the reference kernels, and per MAC.
"""
import argparse
import re
import subprocess
import sys


def run(args, elf):
    """Runs ELF under the plugin; returns its stdout and the plugin's region counts."""
    proc = subprocess.run([args.run_sh, args.plugin, elf, args.machine], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        sys.exit("mpq: error: icount_table: %s failed (exit status %d)" % (elf, proc.returncode))
    counts = {int(m.group(1)): int(m.group(2))
              for m in re.finditer(r"^icount region (\d+): (\d+)$", proc.stderr, re.M)}
    total = re.search(r"^icount total: (\d+)$", proc.stderr, re.M)
    return proc.stdout, counts, int(total.group(1)) if total else None


def check_plugin(args):
    stdout, counts, total = run(args, args.selftest)
    expected = {int(m.group(1)): int(m.group(2))
                for m in re.finditer(r"^expect region (\d+): (\d+)$", stdout, re.M)}
    expected_total = re.search(r"^expect total: (\d+)$", stdout, re.M)
    if not expected or counts != expected or not expected_total or \
            total != int(expected_total.group(1)):
        sys.exit("mpq: error: icount_table: the plugin's self-test counted %s (total %s), "
                 "expected %s (%s)" % (counts, total, expected, stdout.strip()))
    sys.stderr.write("icount self-test passed: %d regions, total %d\n" % (len(counts), total))


def main():
    parser = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1])
    for name in ("elf", "machine", "run_sh", "plugin"):
        parser.add_argument(name)
    parser.add_argument("--selftest")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--model-table", action="store_true")
    args = parser.parse_args()
    if args.selftest:
        check_plugin(args)
    stdout, counts, _ = run(args, args.elf)
    regions = {}
    for m in re.finditer(r"^region (\d+) (\S+) (\S+) (\d+)$", stdout, re.M):
        regions[int(m.group(1))] = (m.group(2), m.group(3), int(m.group(4)))
    if set(regions) != set(counts):
        sys.exit("mpq: error: icount_table: %d regions printed but %d counted"
                 % (len(regions), len(counts)))
    overhead = counts[0]
    machine = args.machine
    if args.model_table:
        print_model_table(regions, counts, overhead, machine)
        return
    markdown = args.markdown
    layers, combos, table = [], [], {}
    for i in sorted(regions)[1:]:
        layer, bits, macs = regions[i]
        if layer not in layers:
            layers.append(layer)
        if bits not in combos:
            combos.append(bits)
        table[layer, bits] = (counts[i] - overhead, macs)
    if markdown:
        print("| layer | " + " | ".join("%s (x/w/y bits)" % c for c in combos) + " |")
        print("|---|" + "---:|" * len(combos))
    else:
        print("%-28s" % "instructions per MAC" + "".join("%12s" % c for c in combos))
    for layer in layers:
        cells = []
        for c in combos:
            instructions, macs = table.get((layer, c), (0, 0))
            cells.append("%.2f" % (instructions / macs) if macs else "-")
        if markdown:
            print("| %s | %s |" % (layer, " | ".join(cells)))
        else:
            print("%-28s" % layer + "".join("%12s" % cell for cell in cells))
    print("(machine %s; marker overhead %d instructions subtracted)" % (machine, overhead))


def print_model_table(regions, counts, overhead, machine):
    models, cells = [], {}
    for i in sorted(regions)[1:]:
        model, call, macs = regions[i]
        if model not in models:
            models.append(model)
        cells[model, call] = (counts[i] - overhead, macs)
    print("| model | MACs | load_model | inference (fast kernels) | per MAC | inference (reference kernels) | per MAC |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for model in models:
        load, macs = cells.get((model, "load"), (0, 0))
        fast, _ = cells.get((model, "fast"), (0, 0))
        ref, _ = cells.get((model, "reference"), (0, 0))
        per_mac = lambda n: "%.2f" % (n / macs) if macs else "-"
        print("| %s | %s | %s | %s | %s | %s | %s |" % (model, "{:,}".format(macs), "{:,}".format(load),
                                                       "{:,}".format(fast), per_mac(fast), "{:,}".format(ref),
                                                       per_mac(ref)))
    print("(machine %s; instructions; marker overhead %d subtracted)" % (machine, overhead))


if __name__ == "__main__":
    main()
