#!/usr/bin/env python3
"""partrain's dependency rules, checked on the headers (ctest: layering_check).

1. core/ and train/ hold no CUDA: no CUDA header, no CUDA runtime, cuDNN or cuBLAS call or
   type, no PARTRAIN_HAS_CUDA / __CUDACC__ branch, no kernel annotation, no backend::cuda.
   (Comments and string literals are not code and are not checked.)
2. Includes point one way: core <- backend <- {data, layers} <- network <- optim <- train
   <- io/report <- train_network.hpp <- parallel <- experiment <- mpi. Each folder (or top-level header) may
   include only from the levels below it and itself.

Usage: check_layering.py <include dir> — prints every violation (file:line: why) and exits
1 when there is one.
"""
import pathlib
import re
import sys

# What each part may include. Top-level headers are parts of their own.
ALLOWED = {
    "config": set(),
    "core": {"config"},
    "backend": {"config", "core"},
    "data": {"config", "core", "backend"},
    "layers": {"config", "core", "backend", "contracts"},
    "contracts": {"config", "core", "backend", "layers"},
    "network": {"config", "core", "backend", "layers", "contracts"},
    "models": {"config", "core", "backend", "layers", "contracts", "network"},
    "optim": {"config", "core", "backend", "contracts", "network"},
    "train": {"config", "core", "backend", "data", "layers", "contracts", "network", "optim"},
    "io": {"config", "core", "backend", "data", "layers", "contracts", "network", "optim", "train"},
    "report": {"config", "core", "backend", "data", "layers", "contracts", "network", "optim", "train", "io"},
}
ALLOWED["train_network"] = ALLOWED["report"] | {"report"}
ALLOWED["parallel"] = ALLOWED["train_network"] | {"train_network"}
ALLOWED["experiment"] = ALLOWED["parallel"] | {"parallel"}
ALLOWED["mpi"] = ALLOWED["experiment"] | {"experiment"}
UMBRELLAS = {"partrain", "layers", "optim", "train", "data", "io", "report", "parallel", "experiment", "mpi"}
TOP_LEVEL = {"config": "config", "contracts": "contracts", "network": "network", "network_traits": "network", "network_layout": "network",
             "parameter_ref": "network", "gradient_check": "network", "train_network": "train_network"}

CUDA_CODE = re.compile(
    r"#\s*include\s*[<\"](cuda|cudnn|cublas|curand|cufft|thrust|cub/)[^>\"]*[>\"]"
    r"|#\s*include\s*[<\"][^>\"]*\.cuh[>\"]"
    r"|\bcuda[A-Z]\w*|\bcudnn\w*|\bcublas\w*|\bCUDA_\w+|\bCUDNN_\w+|\bCUBLAS_\w+"
    r"|\bPARTRAIN_HAS_CUDA\b|\b__CUDACC__\b|\b__(device|global|host|shared)__\b|<<<"
    r"|\bbackend::cuda\b|\.cuda\(\)|\bPARTRAIN_CUDA_CHECK\b")
INCLUDE = re.compile(r'#\s*include\s*"partrain/([^"]+)"')


def part_of(relative: str) -> str:
    """The part a header path under include/partrain/ belongs to."""
    p = pathlib.PurePosixPath(relative)
    if len(p.parts) > 1:
        return p.parts[0]
    stem = p.stem
    if stem in TOP_LEVEL:
        return TOP_LEVEL[stem]
    return "umbrella:" + stem


def code_only(text: str) -> str:
    """The text with comments and string literals blanked (line numbers kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == '"' and re.search(r"#\s*include\s*$", text[text.rfind("\n", 0, i) + 1:i]):
            j = text.find('"', i + 1)  # an include's path is kept
            j = n if j < 0 else j + 1
            out.append(text[i:j])
            i = j
        elif c == '"' or (c == "'" and not text[i - 1:i].isalnum()):
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def main() -> int:
    root = pathlib.Path(sys.argv[1]) / "partrain"
    problems = []
    headers = sorted(list(root.rglob("*.hpp")) + list(root.rglob("*.cuh")))
    for path in headers:
        relative = path.relative_to(root).as_posix()
        part = part_of(relative)
        code = code_only(path.read_text())
        lines = code.split("\n")
        if part in ("core", "train"):
            for number, line in enumerate(lines, 1):
                m = CUDA_CODE.search(line)
                if m:
                    problems.append(f"{relative}:{number}: CUDA in {part}/ ('{m.group(0)}'); "
                                    f"move it to backend/cuda/ behind a backend op")
        if part.startswith("umbrella:"):
            continue
        for number, line in enumerate(lines, 1):
            m = INCLUDE.search(line)
            if not m:
                continue
            target = part_of(m.group(1))
            if target == part:
                continue
            if target.startswith("umbrella:"):
                target = target.split(":", 1)[1]
                if target not in ALLOWED:
                    problems.append(f"{relative}:{number}: includes the umbrella partrain/{m.group(1)}")
                    continue
            if target not in ALLOWED.get(part, set()):
                problems.append(f"{relative}:{number}: {part} includes {m.group(1)} ({target}); "
                                f"{part} may include only {sorted(ALLOWED.get(part, set()))}")
    for p in problems:
        print(p)
    print(f"check_layering: {len(headers)} headers, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
