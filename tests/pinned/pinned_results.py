#!/usr/bin/env python3
"""Results that must not change when partrain's structure does (ctest: pinned_results).

Runs a shortened demo (train_in_parallel: 4 networks, 3 epochs, 2 workers) and one
experiment (search: 4 trials, ASHA, 1 worker) on a small generated digit set, and compares a
SHA-256 of every trained network file, solver state and history (wall-clock fields left
out) with reference.json. The kernels are fixed so any x86-64 CPU with AVX2 and FMA gives
the same bytes: PARTRAIN_CPU_KERNELS=avx2 and OPENBLAS_CORETYPE=Haswell.

Usage: pinned_results.py <generate_digits> <train_in_parallel> <search> <work dir>
           [--write <reference.json>]   (make the reference; compares with it otherwise)
A search of "-" runs the demo alone and compares its files only (the header-only build's
check: the same bytes as the compiled library's).
Exits 0 when every hash matches, 1 when one differs (each named), 77 (skipped) on a CPU
without AVX2 and FMA.
"""
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

REFERENCE = pathlib.Path(__file__).with_name("reference.json")
# Fields that measure time or name the machine, not what was trained.
VOLATILE = {"wall_seconds", "elapsed_seconds", "seconds", "time", "host"}
ENV = {"PARTRAIN_CPU_KERNELS": "avx2", "OPENBLAS_CORETYPE": "Haswell", "OMP_NUM_THREADS": "1"}


def cpu_has_avx2_fma() -> bool:
    try:
        flags = re.search(r"^flags\s*:(.*)$", pathlib.Path("/proc/cpuinfo").read_text(), re.M)
    except OSError:
        return False
    words = set(flags.group(1).split()) if flags else set()
    return {"avx2", "fma"} <= words


def without_volatile(value, work=""):
    """The value without volatile fields, the work folder's path in strings as <work>."""
    if isinstance(value, dict):
        return {k: without_volatile(v, work) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(v, work) for v in value]
    if isinstance(value, str) and work:
        return value.replace(work, "<work>")
    return value


def digest(path: pathlib.Path, work: str) -> str:
    """The file's bytes, or for JSON (and JSON lines) its content without volatile fields."""
    if path.suffix == ".safetensors":
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if path.suffix == ".jsonl":
        records = [without_volatile(json.loads(line), work) for line in path.read_text().splitlines() if line]
        text = "\n".join(json.dumps(r, sort_keys=True) for r in records)
    else:
        text = json.dumps(without_volatile(json.loads(path.read_text()), work), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def pinned_files(root: pathlib.Path, name: str, work: str) -> dict:
    """Every network, solver state, history, checkpoint state and journal under root, keyed
    by its path with the experiment folder's time stamp taken out."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.name.endswith(".safetensors") or p.name in {"training_info.json", "state.json", "journal.jsonl"}:
            key = re.sub(r"experiment-\d{8}T\d{6}", "experiment", f"{name}/{p.relative_to(root).as_posix()}")
            out[key] = digest(p, work)
    return out


def run(cmd, env):
    result = subprocess.run([str(c) for c in cmd], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"pinned_results: {' '.join(map(str, cmd))} exited {result.returncode}:\n{result.stdout}")


def main() -> int:
    args = sys.argv[1:]
    write = None
    if "--write" in args:
        i = args.index("--write")
        write = pathlib.Path(args[i + 1])
        del args[i:i + 2]
    if len(args) != 4:
        sys.exit(__doc__)
    generate, demo, search, work = args[0], args[1], args[2], pathlib.Path(args[3])
    if not cpu_has_avx2_fma():
        print("SKIPPED: this CPU has no AVX2+FMA; the pinned results are made with PARTRAIN_CPU_KERNELS=avx2")
        return 77
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    work = work.resolve()
    env = dict(os.environ, **ENV)
    run([generate, work / "digits", "--seed", "42", "--count-per-class", "100"], env)
    run([demo, "--data", work / "digits", "--epochs", "3", "--workers", "2", "--seed", "42",
         "--output", work / "demo"], env)
    at = str(work.resolve())
    got = pinned_files(work / "demo", "demo", at)
    if search != "-":
        run([search, "--data", work / "digits", "--trials", "4", "--epochs", "3", "--scheduler", "asha",
             "--eta", "2", "--workers", "1", "--folder", work / "search"], env)
        got.update(pinned_files(work / "search", "search", at))
    if write:
        write.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(got)} hashes to {write}")
        return 0
    want = json.loads(REFERENCE.read_text())
    if search == "-":
        want = {k: v for k, v in want.items() if k.startswith("demo/")}
    differ = [k for k in sorted(want) if got.get(k) != want[k]]
    extra = sorted(set(got) - set(want))
    for k in differ:
        print(f"differs: {k}" if k in got else f"missing: {k}")
    for k in extra:
        print(f"not in the reference: {k}")
    print(f"{len(want) - len(differ)} of {len(want)} pinned files equal, {len(differ)} differ or are missing, "
          f"{len(extra)} new")
    return 1 if differ or extra else 0


if __name__ == "__main__":
    sys.exit(main())
