#!/usr/bin/python3
"""Compile-time rows of the harness: what one translation unit costs a user, in CPU seconds
(g++ -std=c++20 -O2, no ccache, no precompiled headers), each the median of --rounds runs
taken in alternating order in the same hour. Run by harness.py, or alone:

    benchmarks/harness/compile_times.py [--rounds 3] [--time-report] [--root .]

The compiled rows need libpartrain_compiled.a (any build of the project: --lib PATH, found
under build*/ otherwise); they time the translation unit, and the rebuild row its link too.
--time-report prints g++'s -ftime-report summary of the demo in each mode.
"""
import argparse
import glob
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

WHERE = "[partrain::bench::compile_times]"
FLAGS = ["-std=c++20", "-O2", "-isystem", "/usr/include/stb"]
COMPILED = ["-DPARTRAIN_SEPARATE_COMPILATION"]


def first_guide_example(root, work):
    """The guide's first C++ block (its one-network example), as a file."""
    text = open(os.path.join(root, "docs", "guide.md")).read()
    block = re.search(r"```cpp\n(.*?)```", text, re.S).group(1)
    path = os.path.join(work, "guide_first_example.cpp")
    open(path, "w").write(block)
    return path


def changed_option_demo(root, work):
    """The demo with one training option changed (the mini-batch size), as a file."""
    text = open(os.path.join(root, "examples", "train_in_parallel.cpp")).read()
    changed, n = re.subn(r"\.mini_batch_size = (\d+)", lambda m: f".mini_batch_size = {int(m.group(1)) + 1}", text, 1)
    if n != 1:
        raise SystemExit(f"{WHERE} examples/train_in_parallel.cpp: no .mini_batch_size option to change")
    path = os.path.join(work, "train_in_parallel_changed.cpp")
    open(path, "w").write(changed)
    return path


RESNET_PROGRAM = """#include <partrain/partrain.hpp>
#include <iostream>
#include <vector>
namespace pt = partrain;
using resnet20 = pt::models::resnet<16, 3>;
int main() {
  pt::data::image_set s;
  s.image = {1, 3, 32, 32};
  s.classes = {"a", "b"};
  const std::vector<float> image(3 * 32 * 32, 0.5f);
  for (int i = 0; i < 256; ++i) s.push_back(image, i % 2);
  pt::summary<resnet20>(std::cout);
  const auto r = pt::train_network<resnet20>(s, pt::training_options<>{.max_epochs = 1, .verbose = false});
  return r.info.iterations() > 0 ? 0 : 1;
}
"""


def resnet_program(work):
    """A program that trains models::resnet<16, 3> (ResNet-20) once, as a file."""
    path = os.path.join(work, "resnet20.cpp")
    open(path, "w").write(RESNET_PROGRAM)
    return path


def rows(root, work, lib):
    """(name, command) of every row; the command runs in `work`."""
    inc = ["-I", os.path.join(root, "include")]
    empty = os.path.join(work, "empty_main.cpp")
    open(empty, "w").write("#include <partrain/partrain.hpp>\nint main() {}\n")
    demo = os.path.join(root, "examples", "train_in_parallel.cpp")
    search = os.path.join(root, "examples", "search.cpp")
    search_list = lambda name: os.path.join(root, "examples", "search", name + ".cpp")
    obj = lambda name: ["-c", "-o", os.path.join(work, name + ".o")]
    link = [lib, "-lopenblas", "-lz", "-pthread", "-o", os.path.join(work, "demo_rebuilt")]
    return [
        ("empty main with partrain.hpp, header-only", ["g++", *FLAGS, *inc, empty, *obj("empty")]),
        ("the guide's first example (one network), header-only",
         ["g++", *FLAGS, *inc, first_guide_example(root, work), *obj("guide")]),
        ("the guide's first example, against partrain::compiled",
         ["g++", *FLAGS, *COMPILED, *inc, os.path.join(work, "guide_first_example.cpp"), *obj("guide_c")]),
        ("demo (4 networks), header-only", ["g++", *FLAGS, *inc, demo, *obj("demo")]),
        ("demo (4 networks), against partrain::compiled", ["g++", *FLAGS, *COMPILED, *inc, demo, *obj("demo_c")]),
        ("examples/search.cpp, against partrain::compiled", ["g++", *FLAGS, *COMPILED, *inc, search, *obj("search_c")]),
        ("examples/search/cnns.cpp (3 CNNs searched), against partrain::compiled",
         ["g++", *FLAGS, *COMPILED, *inc, search_list("cnns"), *obj("search_cnns_c")]),
        ("examples/search/resnet.cpp (ResNet-14 and the seed CNN searched), against partrain::compiled",
         ["g++", *FLAGS, *COMPILED, *inc, search_list("resnet"), *obj("search_resnet_c")]),
        ("one resnet<16, 3> trained (ResNet-20), header-only", ["g++", *FLAGS, *inc, resnet_program(work), *obj("resnet")]),
        ("one resnet<16, 3> trained, against partrain::compiled",
         ["g++", *FLAGS, *COMPILED, *inc, os.path.join(work, "resnet20.cpp"), *obj("resnet_c")]),
        ("demo rebuilt after one training option changed (compile + link), against partrain::compiled",
         ["g++", *FLAGS, *COMPILED, *inc, changed_option_demo(root, work), *link]),
    ]


def cpu_seconds(cmd, cwd):
    """Child CPU seconds (user + system) and wall seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{WHERE} {' '.join(cmd)} failed:\n{done.stdout[-3000:]}")
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def find_library(root):
    found = sorted(glob.glob(os.path.join(root, "build*", "libpartrain_compiled.a")), key=os.path.getmtime)
    if not found:
        raise SystemExit(f"{WHERE} no libpartrain_compiled.a under {root}/build*/; build the project or pass --lib")
    return found[-1]


def measure(root, rounds, lib=None, log=print):
    """{row name: (median CPU s, median wall s)}, rows alternated round by round."""
    root = os.path.abspath(root)
    lib = os.path.abspath(lib or find_library(root))
    with tempfile.TemporaryDirectory(prefix="partrain-compile-") as work:
        table = rows(root, work, lib)
        cpu = {name: [] for name, _ in table}
        wall = {name: [] for name, _ in table}
        for r in range(rounds):
            for name, cmd in table:
                c, w = cpu_seconds(cmd, work)
                cpu[name].append(c), wall[name].append(w)
                log(f"  round {r + 1}: {name}: {c:.1f} CPU s ({w:.1f} wall)")
        return {name: (statistics.median(cpu[name]), statistics.median(wall[name])) for name, _ in table}


def time_report(root, compiled):
    """g++ -ftime-report's phase lines and TOTAL for the demo in one mode."""
    demo = os.path.join(root, "examples", "train_in_parallel.cpp")
    cmd = ["g++", *FLAGS, *(COMPILED if compiled else []), "-I", os.path.join(root, "include"), "-ftime-report",
           "-c", demo, "-o", os.devnull]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    keep = re.compile(r"^\s*(phase (parsing|lang. deferred|opt and generate|setup)|template instantiation|"
                      r"callgraph functions expansion|callgraph ipa passes|TOTAL)\b")
    return [line.rstrip() for line in out.splitlines() if keep.match(line)]


def markdown(results, rounds):
    lines = [f"| translation unit (g++ -O2) | CPU s, median of {rounds} | wall s | goal |", "| --- | ---: | ---: | --- |"]
    goals = {"demo (4 networks), header-only": "<= 30 s", "demo (4 networks), against partrain::compiled": "<= 12 s",
             "examples/search.cpp, against partrain::compiled": "<= 15 s",
             "examples/search/cnns.cpp (3 CNNs searched), against partrain::compiled": "<= 15 s",
             "examples/search/resnet.cpp (ResNet-14 and the seed CNN searched), against partrain::compiled": "<= 15 s"}
    for name, (c, w) in results.items():
        lines.append(f"| {name} | {c:.1f} | {w:.1f} | {goals.get(name, '')} |")
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--lib", help="libpartrain_compiled.a (default: the newest under build*/)")
    p.add_argument("--time-report", action="store_true")
    a = p.parse_args()
    root = os.path.abspath(a.root)
    print("\n".join(markdown(measure(root, a.rounds, a.lib), a.rounds)))
    if a.time_report:
        for compiled in (False, True):
            print(f"\n-ftime-report, demo {'against partrain::compiled' if compiled else 'header-only'}:")
            print("\n".join(time_report(root, compiled)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
