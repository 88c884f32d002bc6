#!/usr/bin/env python3
"""What partrain::compiled holds (ctest: compiled_symbols).

Usage: check_symbols.py <libpartrain_compiled.a>
Fails when the library instantiates anything that names a layer, a network or a typed
training run (those belong in the user's translation unit), or when a part it must compile
once is missing from it: each is named.
"""
import re
import subprocess
import sys

# What no symbol of the library may name.
FORBIDDEN = [r"partrain::layers::", r"partrain::network<", r"partrain::models::", r"typed_model<",
             r"training_run<", r"network_pass<"]
# One symbol per part that must be compiled once, in the mode's namespace.
REQUIRED = {
    "the engine": r"link_partrain_compiled::training_engine::run\(",
    "format/": r"format::link_partrain_compiled::read_json_object\(",
    "io/": r"io::link_partrain_compiled::save_experiment\(",
    "report/": r"report::link_partrain_compiled::",
    "experiment/": r"experiment::link_partrain_compiled::",
    "data/ (image decoding)": r"data::link_partrain_compiled::decode_image\(",
    "stb_image": r"\bstbi__load_and_postprocess_8bit\(",
    "the float kernels": r"cpu::link_partrain_compiled::conv2d_forward<float>\(",
    "the double kernels": r"cpu::link_partrain_compiled::batch_norm_backward<double, ",
}


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    nm = subprocess.run(["nm", "-C", "--defined-only", sys.argv[1]], stdout=subprocess.PIPE, text=True, check=True)
    symbols = [line.split(" ", 2)[2] for line in nm.stdout.splitlines() if line.count(" ") >= 2]
    problems = []
    for pattern in FORBIDDEN:
        hits = [s for s in symbols if re.search(pattern, s)]
        if hits:
            problems.append(f"{len(hits)} symbols name {pattern!r}, e.g. {hits[0][:200]}")
    for part, pattern in REQUIRED.items():
        if not any(re.search(pattern, s) for s in symbols):
            problems.append(f"{part}: no symbol matches {pattern!r}")
    for p in problems:
        print(p)
    print(f"{len(symbols)} symbols defined; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
