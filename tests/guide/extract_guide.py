#!/usr/bin/env python3
"""Extracts every C++ block of docs/guide.md into translation units the test suite compiles.

  extract_guide.py <guide.md> <output dir> <number of translation units>

A block is a fenced block whose info string starts with cpp, c++ or cxx. Each must be valid
at namespace scope (a whole program, or declarations). Its #include lines move to the top
of its translation unit; the rest goes into namespace guide_block_<n>, with `int main(`
renamed `int guide_main(` (a block with main ends with main, which gets the `return 0` that
main falls off its end with); the block registers its line, its section and its main (run by
the test unless the info string says compile-only). A block whose info string says mpi is
compiled only where partrain::mpi is built (PARTRAIN_GUIDE_MPI). Blocks alternate between the units.
"""
import pathlib
import re
import sys

FENCE = re.compile(r"^```\s*(cpp|c\+\+|cxx)\b(.*)$", re.IGNORECASE)


def blocks(text):
    section, block, out = "", None, []
    for number, line in enumerate(text.splitlines(), start=1):
        if block is None:
            if line.startswith("#"):
                section = line.lstrip("#").strip()
            match = FENCE.match(line)
            if match:
                block = {"line": number, "section": section, "run": "compile-only" not in match.group(2),
                         "mpi": "mpi" in match.group(2).split(), "code": []}
            elif line.startswith("```") and line.strip() != "```":
                pass  # another language
        elif line.startswith("```"):
            out.append(block)
            block = None
        else:
            block["code"].append(line)
    if block is not None:
        sys.exit(f"extract_guide.py: the block at line {block['line']} is not closed")
    return out


def unit(members):
    includes, mpi_includes, bodies = [], [], []
    for index, block in members:
        code = []
        for line in block["code"]:
            if line.startswith("#include"):
                chosen = mpi_includes if block["mpi"] else includes
                if line not in includes and line not in chosen:
                    chosen.append(line)
                code.append("")  # keeps the #line numbering of what follows
            else:
                code.append(line)
        has_main = re.search(r"\bint\s+main\s*\(", "\n".join(code)) is not None
        if has_main:  # main ends the block; only the real main may fall off its end
            last = max(i for i, line in enumerate(code) if line.strip())
            if code[last].strip() != "}":
                sys.exit(f"extract_guide.py: the block at line {block['line']} has a main that does not end it")
            code[last] = "  return 0;  // a block's main falls off its end as main does\n}"
        body = re.sub(r"\bint\s+main\s*\(", "int guide_main(", "\n".join(code))
        main = f"&guide_block_{index}::guide_main" if has_main else "nullptr"
        section = block["section"].replace("\\", "\\\\").replace('"', '\\"')
        text = (f"#line {block['line']} \"docs/guide.md\"\nnamespace guide_block_{index} {{\n{body}\n}}\n"
                f"static const bool guide_registered_{index} = guide::add({{{block['line']}, \"{section}\", {main}, "
                f"{'true' if block['run'] else 'false'}}});\n")
        bodies.append(f"#if PARTRAIN_GUIDE_MPI\n{text}#endif\n" if block["mpi"] else text)
    guarded = "#if PARTRAIN_GUIDE_MPI\n" + "\n".join(mpi_includes) + "\n#endif\n" if mpi_includes else ""
    return ("// Generated from docs/guide.md by tests/guide/extract_guide.py: do not edit.\n" + "\n".join(includes) +
            "\n" + guarded +
            "\n#include \"guide_registry.hpp\"\n\n" + "\n".join(bodies))


def main():
    guide, out_dir, units = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
    found = blocks(guide.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    for u in range(units):
        text = unit([(i, b) for i, b in enumerate(found) if i % units == u])
        path = out_dir / f"guide_blocks_{u}.cpp"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
