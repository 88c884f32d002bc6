#!/usr/bin/env python3
"""partrain's dependency rules, checked on the headers (ctest: layering_check).

1. core/ and train/ hold no CUDA: no CUDA header, no CUDA runtime, cuDNN or cuBLAS call or
   type, no PARTRAIN_HAS_CUDA / __CUDACC__ branch, no kernel annotation, no backend::cuda.
   (Comments and string literals are not code and are not checked.)
2. Includes point one way: core <- format <- backend <- {data, layers} <- network <- optim
   <- train <- io <- report <- experiment <- mpi, and parallel (core, backend) <- experiment.
   Each folder (or top-level header) may include only from the levels below it and itself;
   no library header includes an umbrella (partrain.hpp, contracts.hpp, io.hpp, ...) or a
   forwarding header kept for old paths (FORWARDING).
3. A folder's own detail namespace is its own: `io::detail::x` appears only in io/, and a
   name defined in `partrain::detail` by one folder is used only there (core's are public).

4. A header's bodies (impl/<name>.ipp, separately compiled in partrain::compiled) are included
   by that header only (and by src/).

Usage: check_layering.py <include dir> — prints every violation (file:line: why) and exits
1 when there is one.
"""
import pathlib
import re
import sys

# What each part may include: one order, no exceptions. Top-level headers are parts of their
# own (TOP_LEVEL) or umbrellas, which no library header includes.
BELOW_TRAIN = {"config", "core", "format", "backend", "data", "layers", "network", "optim"}
ALLOWED = {
    "config": set(),
    "core": {"config"},
    "format": {"config", "core"},
    "backend": {"config", "core"},
    "data": {"config", "core", "backend"},
    "layers": {"config", "core", "backend"},
    "network": {"config", "core", "format", "backend", "layers"},
    "optim": {"config", "core", "backend", "layers", "network"},
    "train": BELOW_TRAIN,
    "io": BELOW_TRAIN | {"train"},
    "report": BELOW_TRAIN | {"train", "io"},
    "parallel": {"config", "core", "backend"},
}
ALLOWED["models"] = ALLOWED["network"] | {"network"}
ALLOWED["experiment"] = ALLOWED["report"] | {"report", "parallel"}
ALLOWED["mpi"] = ALLOWED["experiment"] | {"experiment"}
UMBRELLAS = {"partrain", "layers", "optim", "train", "data", "io", "report", "parallel", "experiment", "mpi", "format",
             "contracts", "train_network"}
# Old header paths kept for one release: they forward to the new ones.
FORWARDING = {"io/file.hpp", "io/safetensors.hpp", "io/temporary.hpp", "io/network_tensors.hpp", "io/checkpoint.hpp",
              "io/checkpoint_read.hpp", "io/checkpoints.hpp", "train_network.hpp", "experiment/run_trial.hpp",
              "parallel/sweep.hpp"}
TOP_LEVEL = {"config": "config", "network": "network", "network_traits": "network", "network_layout": "network",
             "parameter_ref": "network", "gradient_check": "network", "network_tensors": "network",
             "network_checks": "network", "network_pass": "network", "network_summary": "network",
             "residual": "network", "residual_names": "network", "residual_run": "network"}

CUDA_CODE = re.compile(
    r"#\s*include\s*[<\"](cuda|cudnn|cublas|curand|cufft|thrust|cub/)[^>\"]*[>\"]"
    r"|#\s*include\s*[<\"][^>\"]*\.cuh[>\"]"
    r"|\bcuda[A-Z]\w*|\bcudnn\w*|\bcublas\w*|\bCUDA_\w+|\bCUDNN_\w+|\bCUBLAS_\w+"
    r"|\bPARTRAIN_HAS_CUDA\b|\b__CUDACC__\b|\b__(device|global|host|shared)__\b|<<<"
    r"|\bbackend::cuda\b|\.cuda\(\)|\bPARTRAIN_CUDA_CHECK\b")
INCLUDE = re.compile(r'#\s*include\s*"partrain/([^"]+)"')
NAMESPACE = re.compile(r"\b(inline\s+)?namespace\s+([\w:]+)\s*\{|[{}]")
DETAIL_USE = re.compile(r"(?<![\w:])((?:\w+::)*)detail::(\w+)")
DECLARED = re.compile(r"\b(?:struct|class|concept|enum(?:\s+class)?|using)\s+(\w+)|(\w+)\s*(?:\(|=|\{|;|\[)")


def part_of(relative: str) -> str:
    """The part a header path under include/partrain/ belongs to."""
    p = pathlib.PurePosixPath(relative)
    if len(p.parts) == 2 and p.parts[0] == "impl":  # a top-level header's bodies
        return part_of(p.stem + ".hpp")
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


def detail_names(code: str) -> set:
    """The names declared directly in a namespace whose last part is `detail`."""
    names, stack, depth, start = set(), [], 0, 0
    for m in NAMESPACE.finditer(code):
        token = m.group(0)
        if m.group(2):  # an inline namespace inside detail is detail too
            depth += 1
            inner = m.group(2).split("::")[-1]
            stack.append(("detail" if m.group(1) and stack and stack[-1][0] == "detail" else inner, depth))
            start = m.end()
            continue
        in_detail = bool(stack) and stack[-1][0] == "detail" and stack[-1][1] == depth
        if in_detail:  # declarations at the detail namespace's own level, up to here
            statement = re.sub(r"template\s*<[^{;]*?>\s*(?=[A-Za-z_])", " ", code[start:m.start()] + token)
            statement = re.sub(r"__attribute__\s*\(\(.*?\)\)", " ", statement)
            for piece in statement.split(";"):
                names.update(d.group(1) or d.group(2) for d in DECLARED.finditer(piece))
        if token == "{":
            depth += 1
        else:
            if stack and stack[-1][1] == depth:
                stack.pop()
            depth -= 1
        start = m.end()
    return names


# The folder whose detail namespace `<ns>::detail` is.
NAMESPACE_FOLDER = {"io": "io", "data": "data", "experiment": "experiment", "parallel": "parallel", "mpi": "mpi",
                    "report": "report", "format": "format", "backend": "backend", "cpu": "backend", "cuda": "backend",
                    "optim": "optim", "layers": "layers", "schedule": "optim"}


def detail_problems(root: pathlib.Path, headers: list) -> list:
    """Uses of a detail namespace outside the folder that owns it."""
    codes = {h: code_only(h.read_text()) for h in headers}
    defined = {}
    for h, code in codes.items():
        defined.setdefault(part_of(h.relative_to(root).as_posix()), set()).update(detail_names(code))
    problems = []
    for h, code in codes.items():
        relative = h.relative_to(root).as_posix()
        part = part_of(relative)
        if part.startswith("umbrella:") or relative in FORWARDING:
            continue
        for number, line in enumerate(code.split("\n"), 1):
            for m in DETAIL_USE.finditer(line):
                qualifier = [q for q in m.group(1).split("::") if q and q != "partrain"]
                owner = NAMESPACE_FOLDER.get(qualifier[-1]) if qualifier else None
                if owner:
                    ok = owner == part
                else:
                    ok = m.group(2) in defined.get(part, set())
                if not ok:
                    problems.append(f"{relative}:{number}: uses {m.group(0)}, a detail of "
                                    f"{owner or 'another folder'}; make it public there or keep it in {part}/")
    return problems


def own_bodies(header: str, ipp: str) -> bool:
    """Whether ipp holds header's own bodies (x/y.hpp -> x/impl/y.ipp)."""
    h = pathlib.PurePosixPath(header)
    return ipp == (h.parent / "impl" / (h.stem + ".ipp")).as_posix()


def main() -> int:
    root = pathlib.Path(sys.argv[1]) / "partrain"
    problems = []
    headers = sorted(list(root.rglob("*.hpp")) + list(root.rglob("*.cuh")) + list(root.rglob("*.ipp")))
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
            if m.group(1).endswith(".ipp") and not own_bodies(relative, m.group(1)):
                problems.append(f"{relative}:{number}: includes partrain/{m.group(1)}, another header's bodies; "
                                f"include that header")
                continue
            if m.group(1) in FORWARDING and relative not in FORWARDING:
                problems.append(f"{relative}:{number}: includes partrain/{m.group(1)}, a forwarding header kept for "
                                f"old code; include what it forwards to")
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
    problems += detail_problems(root, headers)
    for p in problems:
        print(p)
    print(f"check_layering: {len(headers)} headers, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
