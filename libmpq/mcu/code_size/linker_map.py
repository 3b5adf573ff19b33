"""What a GNU ld linker map and arm-none-eabi-size say a firmware keeps in FLASH.

Shared by measure_code_size.py (the build's code size table: the sections a probe link
keeps) and tools/check_code_prediction.py (a linked image split into libmpq, model,
libraries and application), so that both read a map the same way.
"""
import re

# Output sections a firmware's FLASH holds (arm-none-eabi-size's text and data).
FLASH_SECTIONS = (".text", ".rodata", ".data", ".ARM.exidx", ".ARM.extab", ".init_array", ".fini_array",
                  ".preinit_array", ".init", ".fini", ".eh_frame")


def flash_bytes(size_output):
    """The FLASH bytes in the output of `arm-none-eabi-size -A -d ELF`."""
    return sum(int(m.group(2)) for m in re.finditer(r"^(\S+)\s+(\d+)\s+\d+$", size_output, re.M)
               if m.group(1).startswith(FLASH_SECTIONS))


def flash_input_sections(map_path):
    """Yields (section, bytes, where) for each input section of the map's FLASH output
    sections, `where` the object (an archive's as `lib.a(member.o)`), and ("*fill*", bytes,
    None) for the alignment fill between them. Raises ValueError when the file has no
    memory map."""
    with open(map_path) as f:
        lines = f.read().split("\n")
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        raise ValueError(map_path + ": no memory map")
    output = None
    pending = None  # an input section name whose address and size are on the next line
    for line in lines[start + 1:]:
        if line and not line[0].isspace():
            output, pending = line.split()[0], None
            continue
        if output is None or not output.startswith(FLASH_SECTIONS):
            continue
        m = re.match(r"^ \*fill\*\s+0x[0-9a-f]+\s+0x([0-9a-f]+)", line)
        if m:
            yield "*fill*", int(m.group(1), 16), None
            continue
        m = re.match(r"^ (\.\S+|COMMON)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m:
            name, size, where = m.group(1), int(m.group(2), 16), m.group(3)
        else:
            m = re.match(r"^ (\.\S+)$", line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r"^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if not m or pending is None:
                continue
            name, size, where = pending, int(m.group(1), 16), m.group(2)
        pending = None
        yield name, size, where

