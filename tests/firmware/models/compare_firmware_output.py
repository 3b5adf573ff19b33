#!/usr/bin/env python3
"""Runs a model firmware and compares its image lines with the host's.

usage: compare_firmware_output.py HOST_OUTPUT COMMAND...

COMMAND (qemu-system-arm ... -kernel ELF) must exit 0 (the firmware's own verdict) and
print, in order, exactly the lines "image I: ..." that HOST_OUTPUT holds (written by
mpq_firmware_fixtures from the host runtime). Exit status 0 only then.
"""
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        expected = [line.rstrip("\n") for line in f if line.startswith("image ")]
    proc = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=280)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    printed = [line for line in proc.stdout.splitlines() if line.startswith("image ") and "DIFFERS" not in line]
    failures = []
    if proc.returncode != 0:
        failures.append("the firmware exited with status %d" % proc.returncode)
    if len(printed) != len(expected):
        failures.append("%d image lines printed, the host printed %d" % (len(printed), len(expected)))
    for i, (got, want) in enumerate(zip(printed, expected)):
        if got != want:
            failures.append("image line %d differs\n  target: %s\n  host:   %s" % (i, got, want))
    if failures:
        print("compare_firmware_output: FAIL: " + "; ".join(failures))
        return 1
    print("compare_firmware_output: %d image lines equal to the host's" % len(expected))
    return 0


if __name__ == "__main__":
    sys.exit(main())
