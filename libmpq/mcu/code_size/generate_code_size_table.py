#!/usr/bin/env python3
"""Writes the C++ source of the measured code size table (libmpq/mcu/code_size_table.hpp)
from the JSON files measure_code_size.py wrote, one per (core, optimization level). With
no JSON file (a host build without arm-none-eabi-g++, or -Dcode_size=disabled) the table
is empty and code counting reports that it is unavailable."""
import argparse
import json
import os


def cpp_list(values, per_line=16):
    rows = [", ".join(str(v) for v in values[i:i + per_line]) for i in range(0, len(values), per_line)]
    return "{\n    " + ",\n    ".join(rows) + "}" if rows else "{}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("measurements", nargs="*")
    a = p.parse_args()

    out = ["// Generated at build time by libmpq/mcu/code_size/generate_code_size_table.py from the",
           "// measurements of measure_code_size.py (arm-none-eabi-g++ probes): do not edit.",
           '#include "libmpq/mcu/code_size_table.hpp"', "", "namespace mpq::code_size_table {", "",
           "namespace {", ""]
    configs = []
    for n, path in enumerate(sorted(a.measurements)):
        with open(path) as f:
            m = json.load(f)
        sizes = [s[1] for s in m["sections"]]
        # A section of libmpq_fw's own archive, or of the toolchain's libraries (libgcc, libc).
        library = [0 if s[0].startswith("libmpq_fw.a(") else 1 for s in m["sections"]]
        names = sorted(m["variants"])
        flat, variants = [], []
        for name in names:
            variants.append('{"%s", %d, %d}' % (name, len(flat), len(m["variants"][name])))
            flat += m["variants"][name]
        out += ["// %s -O%s: %d sections; probes of the core and %d variants" %
                (m["cpu"], m["optimization"], len(sizes), len(names)),
                "const uint32_t kSectionBytes%d[] = %s;" % (n, cpp_list(sizes)),
                "const uint8_t kSectionIsLibrary%d[] = %s;" % (n, cpp_list(library, 32)),
                "const uint16_t kCore%d[] = %s;" % (n, cpp_list(m["core"])),
                "const uint16_t kVariantSections%d[] = %s;" % (n, cpp_list(flat)),
                "const Variant kVariants%d[] = %s;" % (n, cpp_list(variants, 1)), ""]
        configs.append('{"%s", "%s", kSectionBytes%d, kSectionIsLibrary%d, %d, kCore%d, %d, kVariants%d, %d, '
                       'kVariantSections%d}' % (m["cpu"], m["optimization"], n, n, len(sizes), n, len(m["core"]),
                                                n, len(names), n))
        if len(sizes) >= 65536:
            raise SystemExit("generate_code_size_table: more than 65535 sections; widen the indices")
    if configs:
        out += ["const Config kConfigs[] = %s;" % cpp_list(configs, 1), "", "}  // namespace", "",
                "const Config* configs() { return kConfigs; }",
                "size_t config_count() { return sizeof kConfigs / sizeof kConfigs[0]; }"]
    else:
        out += ["}  // namespace", "", "// Not measured: no arm-none-eabi-g++ when libmpq was built, or -Dcode_size=disabled.",
                "const Config* configs() { return nullptr; }", "size_t config_count() { return 0; }"]
    out += ["", "}  // namespace mpq::code_size_table", ""]
    text = "\n".join(out)
    if not os.path.exists(a.out) or open(a.out).read() != text:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
