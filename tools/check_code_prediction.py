#!/usr/bin/env python3
"""Compares `mpq memory --json`'s FLASH prediction with a linked firmware image.

    check_code_prediction.py MEMORY_JSON ELF MAP MODEL_STEM [--tolerance 0.02]

MEMORY_JSON: the output of `mpq memory --policy P --board B --json` (or --cpu): blob
(model_flash_bytes) and libmpq_fw's code (code_flash_bytes, with code.library_bytes of it
from libgcc and the C library). ELF, MAP: the firmware (examples/mcu-app links a map) and
its linker map; MODEL_STEM: the exported model's file stem (model_w4a4), whose object holds
the blob and the kernel table.

The image (arm-none-eabi-size: text + data) splits, by the map's input sections, into
libmpq_fw's objects, the model's object, the toolchain's libraries (libgcc, newlib: shared
by libmpq and the application, e.g. memcpy), the application's own objects (main,
start-up, crt0) and alignment fill. The check: the predicted libmpq share without its
library part (blob + runtime + variants + table) against the measured libmpq_fw + model
objects, within the tolerance of the whole image. Prints one line per part; exit 1 when
the check fails.
"""
import argparse
import json
import os
import subprocess
import sys

# The build's linker map reader (libmpq/mcu/code_size), which measures what this checks.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "libmpq", "mcu", "code_size"))
import linker_map  # noqa: E402

LIBRARIES = ("libgcc.a", "libc.a", "libc_nano.a", "libg_nano.a", "libm.a", "libnosys.a", "librdimon.a",
             "librdimon_nano.a", "libstdc++.a", "libstdc++_nano.a", "libsupc++.a", "libsupc++_nano.a")


def image_bytes(elf):
    out = subprocess.run(["arm-none-eabi-size", "-A", "-d", elf], capture_output=True, text=True, check=True).stdout
    return linker_map.flash_bytes(out)


def parts_from_map(path, model_stem):
    """Bytes per part: libmpq, model, library, application, fill."""
    parts = {"libmpq": 0, "model": 0, "library": 0, "application": 0, "fill": 0}
    for name, size, where in linker_map.flash_input_sections(path):
        if name == "*fill*":
            parts["fill"] += size
            continue
        archive = os.path.basename(where.split("(")[0])
        if archive in ("libmpq_fw.a", "libmpq_kernels.a", "libmpq_runtime.a"):
            parts["libmpq"] += size
        elif model_stem in os.path.basename(where):
            parts["model"] += size
        elif archive in LIBRARIES:
            parts["library"] += size
        else:
            parts["application"] += size
    return parts


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("memory_json")
    p.add_argument("elf")
    p.add_argument("map")
    p.add_argument("model_stem")
    p.add_argument("--tolerance", type=float, default=0.02)
    a = p.parse_args()
    with open(a.memory_json) as f:
        memory = json.load(f)
    if memory.get("code") is None:
        sys.exit("check_code_prediction: %s counts no code (code_target null)" % a.memory_json)
    image = image_bytes(a.elf)
    parts = parts_from_map(a.map, a.model_stem)
    library = memory["code"]["library_bytes"]
    predicted = memory["model_flash_bytes"] + memory["code_flash_bytes"]
    predicted_own = predicted - library
    measured_own = parts["libmpq"] + parts["model"]
    diff = measured_own - predicted_own
    print("image %d B (text + data); predicted blob + code %d B (%s), %+d B (%+.2f%%) from the image" %
          (image, predicted, memory["code_target"], image - predicted, 100.0 * (image - predicted) / image))
    print("  libmpq_fw + model objects: measured %d B, predicted %d B (blob %d + code %d - library %d): "
          "%+d B, %+.2f%% of the image" % (measured_own, predicted_own, memory["model_flash_bytes"],
                                           memory["code_flash_bytes"], library, diff, 100.0 * diff / image))
    print("  libgcc + C library: %d B in the image (%d B of it predicted for libmpq); application objects "
          "(main, start-up, crt0): %d B; alignment fill: %d B" %
          (parts["library"], library, parts["application"], parts["fill"]))
    if abs(diff) > a.tolerance * image:
        print("check_code_prediction: FAILED: the libmpq share differs by more than %.1f%% of the image" %
              (100 * a.tolerance), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
