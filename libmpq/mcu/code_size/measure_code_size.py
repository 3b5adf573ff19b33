#!/usr/bin/env python3
"""Measures libmpq_fw's code bytes for one Cortex-M core and optimization level.

Run by meson in the host build (libmpq/mcu/code_size/meson.build), once per (core,
level): compiles libmpq/kernels and libmpq/runtime with arm-none-eabi-g++ and the flags
of cross/arm-none-eabi.ini and the core's cross file, archives them as libmpq_fw.a, then
links one probe per root set with --gc-sections (what a firmware's link keeps):

  - the runtime core: every function of the C API (mpq_fw.h) but mpq_fw_load, which
    names the table of every variant;
  - each kernel variant of MPQ_FW_KERNEL_VARIANTS (mpq_fw_kernels.h, expanded by the
    preprocessor, so that a new variant is measured without touching this script): its
    fast function, what a generated kernel table names.

Each probe's linker map lists the input sections the link kept (object or archive
member, section name, size), including what libgcc and the C library add. Sections are
the unit of sharing: two variants reaching convolve_fast_bits<4> keep the same section,
so a model's code is the size of the union of its variants' and the core's sections,
never a sum (docs/memory-model.md, "Code"). Writes JSON:
  {"cpu", "optimization", "sections": [[name, bytes]...], "core": [indices],
   "variants": {"convolve_i8_w4_o4": [indices], ...}, "probe_bytes": {...}}
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import linker_map  # beside this script (python puts its folder first on sys.path)


def ini_lists(path):
    """name -> list of quoted strings, for the `name = ['a', 'b']` lines of a cross file."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^(\w+)\s*=\s*\[(.*)\]\s*$", line)
            if m:
                out[m.group(1)] = re.findall(r"'([^']*)'", m.group(2))
    return out


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit("measure_code_size: failed: " + " ".join(cmd) + "\n" + r.stdout + r.stderr)
    return r.stdout


def variant_names(cxx, flags, root, work):
    """(name, fast function) of every variant, in MPQ_FW_KERNEL_VARIANTS order."""
    probe = os.path.join(work, "variants.c")
    with open(probe, "w") as f:
        f.write('#include "libmpq/runtime/mpq_fw_kernels.h"\n'
                "#define MPQ_X_(n, k, i, w, o) MPQ_VARIANT n i w o ;\n"
                "MPQ_FW_KERNEL_VARIANTS(MPQ_X_)\n")
    text = run([cxx.replace("g++", "gcc"), "-E", "-P", "-I", root] + flags + [probe])
    out = []
    for m in re.finditer(r"MPQ_VARIANT\s+(\w+)\s+(\d)\s+(\d)\s+(\d)\s*;", text):
        name = "%s_i%s_w%s_o%s" % m.groups()
        out.append((name, "mpq_fw_op_" + name))
    if not out:
        sys.exit("measure_code_size: MPQ_FW_KERNEL_VARIANTS expanded to no variant")
    return out


def core_roots(root):
    """The C API's functions (mpq_fw.h) but mpq_fw_load, which links every variant."""
    with open(os.path.join(root, "libmpq", "runtime", "mpq_fw.h")) as f:
        text = f.read()
    names = re.findall(r"^[A-Za-z_][\w \*]*?\b(mpq_fw_\w+)\(", text, re.M)
    names = sorted(set(n for n in names if n != "mpq_fw_load"))
    if "mpq_fw_run" not in names or "mpq_fw_load_with_kernels" not in names:
        sys.exit("measure_code_size: mpq_fw.h: the C API's functions were not found")
    return names


def kept_sections(map_path):
    """{(file, section): bytes} of the input sections a link kept in FLASH, from its map."""
    kept = {}
    try:
        for name, size, where in linker_map.flash_input_sections(map_path):
            if name != "*fill*" and size:
                where = os.path.basename(where.strip())
                kept[(where, name)] = kept.get((where, name), 0) + size
    except ValueError as e:
        sys.exit("measure_code_size: %s" % e)
    return kept


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--root", required=True, help="libmpq's source tree")
    p.add_argument("--cross", required=True, help="the core's cross file, e.g. cross/cortex-m4f.ini")
    p.add_argument("--optimization", required=True, choices=["3", "2", "s"])
    p.add_argument("--work", required=True, help="a folder of its own for objects and probes")
    p.add_argument("--out", required=True)
    p.add_argument("sources", nargs="+", help="libmpq_fw's sources (kernels and runtime)")
    a = p.parse_args()

    base = ini_lists(os.path.join(a.root, "cross", "arm-none-eabi.ini"))
    core = ini_lists(a.cross)
    cpu_flags = base["common_args"] + core["cpu_args"]
    cpu = next((f.split("=", 1)[1] for f in core["cpu_args"] if f.startswith("-mcpu=")), None)
    if cpu is None:
        sys.exit("measure_code_size: " + a.cross + ": cpu_args has no -mcpu")
    cxx = "arm-none-eabi-g++"
    # The flags of libmpq_fw in a cross build with buildtype=release (meson's -DNDEBUG,
    # cpp_eh=none, cpp_rtti=false) at the requested level.
    flags = (["-std=c++17", "-DNDEBUG", "-D_FILE_OFFSET_BITS=64", "-fno-exceptions", "-fno-rtti",
              "-O" + a.optimization] + cpu_flags + base["common_cpp_args"])
    os.makedirs(os.path.join(a.work, "obj"), exist_ok=True)
    launcher = [shutil.which("ccache")] if shutil.which("ccache") else []
    objects = []
    for src in a.sources:
        rel = os.path.relpath(os.path.abspath(src), a.root)
        obj = os.path.join(a.work, "obj", rel.replace(os.sep, "_") + ".o")
        run(launcher + [cxx] + flags + ["-I", a.root, "-c", os.path.abspath(src), "-o", obj])
        objects.append(obj)
    archive = os.path.join(a.work, "libmpq_fw.a")
    if os.path.exists(archive):
        os.remove(archive)
    run(["arm-none-eabi-ar", "rcs", archive] + objects)

    def probe(tag, roots):
        elf = os.path.join(a.work, tag + ".elf")
        link = [cxx] + cpu_flags + ["--specs=nano.specs", "--specs=nosys.specs", "-nostartfiles",
                                    "-Wl,--gc-sections", "-Wl,-e," + roots[0],
                                    "-Wl,-Map," + elf + ".map", "-o", elf]
        link += ["-Wl,--require-defined=" + r for r in roots]
        run(link + [archive])
        sizes = run(["arm-none-eabi-size", "-A", "-d", elf])
        total = linker_map.flash_bytes(sizes)
        kept = kept_sections(elf + ".map")
        os.remove(elf)
        os.remove(elf + ".map")
        return kept, total

    sections = {}  # (file, section) -> index

    def indices(kept):
        out = []
        for key, size in sorted(kept.items()):
            if key not in sections:
                sections[key] = (len(sections), size)
            elif sections[key][1] != size:
                sys.exit("measure_code_size: %s(%s) is %d B in one probe, %d B in another" %
                         (key[0], key[1], sections[key][1], size))
            out.append(sections[key][0])
        return out

    probe_bytes = {}
    kept, probe_bytes["core"] = probe("core", core_roots(a.root))
    result = {"cpu": cpu, "optimization": a.optimization, "core": indices(kept), "variants": {}}
    for name, fn in variant_names(cxx, cpu_flags, a.root, a.work):
        kept, probe_bytes[name] = probe("variant", [fn])
        result["variants"][name] = indices(kept)
    result["sections"] = [["%s(%s)" % key, size] for key, (_, size) in sorted(sections.items(), key=lambda s: s[1][0])]
    result["probe_bytes"] = probe_bytes
    with open(a.out + ".tmp", "w") as f:
        json.dump(result, f, indent=0)
    os.replace(a.out + ".tmp", a.out)


if __name__ == "__main__":
    main()
