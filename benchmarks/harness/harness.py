#!/usr/bin/python3
"""Runs partrain's CPU benchmark and its peers (PyTorch, dlib) in one run, prints a table of
ratios (partrain / peer) and appends it to benchmarks/RESULTS.md. Called by benchmarks/run.sh,
which builds the programs first; see the "Harness" section of benchmarks/RESULTS.md."""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compile_times  # noqa: E402  (beside this file)
import resnet_rows  # noqa: E402

WHERE = "[partrain::bench::harness]"
ONE_CORE = ["taskset", "-c", "0"]
# Seed CNN FLOPs per image (fwd conv 2*F*C*9*HW; backward: filter gradient for all, data
# gradient for conv2/conv3; FC 2*1568*10 for forward, filter and data gradient).
CONV_FWD = 2 * 9 * (1 * 8 * 784 + 8 * 16 * 196 + 16 * 32 * 49)
SEED_FLOPS = 3 * CONV_FWD - 2 * 9 * 1 * 8 * 784 + 3 * 2 * 1568 * 10


class HarnessError(Exception):
    pass


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class Runner:
    """Runs programs one after another, recording wall time, child CPU time, peak RSS of the
    process tree's largest process (wait4) and the 1-minute load average before each."""

    def __init__(self, log):
        self.log, self.loads = log, []

    def run(self, name, cmd, env=None, parse_json=True, timeout=300):
        self.loads.append(loadavg())
        print(f"  {name}: {' '.join(shlex.quote(c) for c in cmd)}", flush=True)
        full_env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        full_env.update(env or {})
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=full_env)
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except KeyboardInterrupt:
                proc.kill()
                raise
            proc.returncode = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - start
            out.seek(0), err.seek(0)
            stdout, stderr = out.read(), err.read()
        self.log.append({"step": name, "command": cmd, "rc": proc.returncode, "wall_seconds": round(wall, 3),
                         "stdout": stdout[-4000:], "stderr": stderr[-2000:]})
        if proc.returncode != 0:
            raise HarnessError(f"{WHERE} {name} failed (exit {proc.returncode}): {stderr.strip()[-1500:]}")
        result = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss,
                  "stdout": stdout}
        if parse_json:
            lines = [l for l in stdout.splitlines() if l.startswith("{")]
            if not lines:
                raise HarnessError(f"{WHERE} {name}: expected a JSON line on stdout, got: {stdout[-500:]!r}")
            result["json"] = json.loads(lines[-1])
        return result


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, shell=True, env=dict(os.environ, GIT_OPTIONAL_LOCKS="0")).stdout.strip()
    except OSError:
        return ""


def machine():
    model = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    flags = open("/proc/cpuinfo").read()
    isa = "AVX-512" if " avx512f" in flags else "AVX2" if " avx2" in flags else "no AVX2"
    return {"cpu": f"{os.cpu_count()} x {model} ({isa})",
            "os": sh(". /etc/os-release && echo $PRETTY_NAME"), "kernel": platform.release(),
            "compiler": sh("g++ --version | head -1"),
            "openblas": sh("dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || "
                           "dpkg-query -W -f='${Version}' libopenblas0 2>/dev/null"),
            "dlib": sh("dpkg-query -W -f='${Version}' libdlib-dev 2>/dev/null"),
            "torch": sh("dpkg-query -W -f='${Version}' python3-torch 2>/dev/null")}


def commit(root):
    head = sh(f"git -C {shlex.quote(root)} rev-parse --short HEAD") or "unknown"
    dirty = sh(f"git -C {shlex.quote(root)} status --porcelain --untracked-files=no")
    return head + (" + uncommitted changes" if dirty else "")


def ratio(a, b):
    return a / b if a and b else float("nan")


def fmt(v, digits=1):
    if isinstance(v, str):
        return v
    if v != v:  # NaN
        return "n/a"
    return f"{v:,.{digits}f}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", required=True, help="Release build folder with the programs built")
    p.add_argument("--root", required=True, help="the partrain checkout")
    p.add_argument("--epochs", type=int, default=2, help="epochs of the single-core runs (2)")
    p.add_argument("--sweep-epochs", type=int, default=2, help="epochs per network in the sweeps (2)")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds of the single-core runs; best kept (2)")
    p.add_argument("--missing", default="", help="peers run.sh could not install (reported, not run)")
    p.add_argument("--no-append", action="store_true", help="print only; do not append to RESULTS.md")
    a = p.parse_args(argv)
    for opt in ("epochs", "sweep_epochs", "rounds"):
        if getattr(a, opt) < 1:
            raise HarnessError(f"{WHERE} --{opt.replace('_', '-')} {getattr(a, opt)}: expected at least 1")
    b = a.build
    prog = {k: os.path.join(b, v) for k, v in {
        "training": "benchmarks/train/partrain_bench_training", "fma": "benchmarks/core/partrain_bench_fma_peak",
        "layers": "benchmarks/train/bench_seed_cnn_layers", "step": "benchmarks/train/bench_seed_cnn_step",
        "data": "benchmarks/data/partrain_bench_data_throughput", "generate": "examples/generate_digits",
        "demo": "examples/train_in_parallel", "dlib": "benchmarks/peers/partrain_peer_dlib_seed_cnn",
        "resnet": "benchmarks/train/bench_resnet"}.items()}
    torch_peer = [("/usr/bin/python3"), os.path.join(a.root, "benchmarks/peers/pytorch_seed_cnn.py")]
    missing = [m for m in a.missing.split(",") if m]
    if "dlib" not in missing and not os.path.exists(prog["dlib"]):
        missing.append("dlib")
    for k, path in prog.items():
        if k != "dlib" and not os.path.exists(path):
            raise HarnessError(f"{WHERE} '{path}' does not exist; expected benchmarks/run.sh to have built it")
    started = datetime.datetime.now()
    log, r = [], None
    r = Runner(log)
    work = os.path.join(b, "bench-data")
    os.makedirs(work, exist_ok=True)
    digits, batch_file = os.path.join(work, "DigitDataset"), os.path.join(work, "train_8000.ptbatch")

    print("data", flush=True)
    if not os.path.isdir(digits):
        r.run("generate digits", [prog["generate"], digits, "--seed", "42"], parse_json=False)
    r.run("write training split", [prog["training"], "write-data", "--digits", digits, "--out", batch_file])

    print("(d) FMA peak and conv layers, one core", flush=True)
    fma = r.run("fma peak", ONE_CORE + [prog["fma"], "--seconds", "0.5", "--trials", "5"])["json"]
    layers = r.run("seed cnn layers", ONE_CORE + [prog["layers"], "20"])["json"]
    step = r.run("seed cnn step", ONE_CORE + [prog["step"], "40"])["json"]

    print(f"(a)(b)(e) single core, seed CNN, {a.epochs} epochs x {a.rounds} rounds", flush=True)
    single = {"partrain": [], "pytorch": [], "dlib": []}
    common = ["--data", batch_file, "--epochs", str(a.epochs), "--warmup", "5"]
    for _ in range(a.rounds):
        single["partrain"].append(r.run("partrain seed cnn", ONE_CORE + [prog["training"], "single"] + common))
        if "pytorch" not in missing:
            single["pytorch"].append(r.run("pytorch seed cnn", ONE_CORE + torch_peer + common + ["--threads", "1"]))
        if "dlib" not in missing:
            single["dlib"].append(r.run("dlib seed cnn", ONE_CORE + [prog["dlib"]] + common))
    best = {k: max(v, key=lambda x: x["json"]["images_per_second"]) if v else None for k, v in single.items()}
    ips = {k: v["json"]["images_per_second"] if v else float("nan") for k, v in best.items()}
    ipc = {k: v["json"]["images_per_cpu_second"] if v else float("nan") for k, v in best.items()}
    rss = {k: v["maxrss_kib"] / 1024 if v else float("nan") for k, v in best.items()}

    print(f"(g) ResNet-20, one core, {a.rounds} rounds", flush=True)
    resnet = resnet_rows.measure(r, prog["resnet"], a.root, work, a.rounds, missing, ONE_CORE)

    print(f"(c) sweep of 4 networks, {a.sweep_epochs} epoch(s) each", flush=True)
    sweep2 = r.run("partrain sweep 2 workers", [prog["training"], "sweep", "--data", batch_file, "--workers", "2",
                                                "--epochs", str(a.sweep_epochs)])
    sweep1 = r.run("partrain sweep 1 worker", [prog["training"], "sweep", "--data", batch_file, "--workers", "1",
                                               "--epochs", str(a.sweep_epochs)])
    torch_sweep = None
    if "pytorch" not in missing:
        torch_sweep = r.run("pytorch sweep 2 processes", torch_peer + [
            "--data", batch_file, "--sweep", "4", "--processes", "2", "--epochs", str(a.sweep_epochs)])
    demo = {}
    for w in (1, 2):
        out = os.path.join(work, f"demo-{w}")
        demo[w] = r.run(f"demo {w} worker(s)", [prog["demo"], "--data", digits, "--epochs", "1", "--workers",
                                                str(w), "--output", out], parse_json=False)

    print("data throughput", flush=True)
    # Not pinned: the prefetch thread needs the second core.
    data = r.run("data throughput", [prog["data"], digits, str(round(ips["partrain"]))],
                 parse_json=False)["stdout"]
    aug = re.search(r"augmentation MATLAB example.*?([\d.]+) images/s", data)
    waits = re.findall(r"prefetch (on|off)\s*: waits ([\d.]+) us per batch", data)
    aug_ips = float(aug.group(1)) if aug else float("nan")
    sizes = {n["network"]: n for n in r.run("sizes", [prog["training"], "sizes"])["json"]["networks"]}

    print("(f) compile times, g++ -O2, each the median of 3 alternating rounds", flush=True)
    compiles = compile_times.measure(a.root, 3, os.path.join(b, "libpartrain_compiled.a"))

    # ---- table
    peak = fma["fma_peak_gflops"]
    train_gflops = ips["partrain"] * SEED_FLOPS * 1e-9
    torch_wall = torch_sweep["json"]["wall_seconds"] if torch_sweep else float("nan")
    p_wall2, p_wall1 = sweep2["json"]["wall_seconds"], sweep1["json"]["wall_seconds"]
    rows = [
        ("(a/b) seed CNN training, images/s, 1 core", ips["partrain"], ips["pytorch"], ratio(ips["partrain"], ips["pytorch"]),
         ips["dlib"], ratio(ips["partrain"], ips["dlib"]), ">= 2.0x PyTorch"),
        ("(a/b) seed CNN, images per CPU-second", ipc["partrain"], ipc["pytorch"], ratio(ipc["partrain"], ipc["pytorch"]),
         ipc["dlib"], ratio(ipc["partrain"], ipc["dlib"]), ""),
        ("(a/b) seed CNN, one epoch of 8,000 images, s", 8000 // 128 * 128 / ips["partrain"],
         8000 // 128 * 128 / ips["pytorch"], ratio(ips["partrain"], ips["pytorch"]),
         8000 // 128 * 128 / ips["dlib"], ratio(ips["partrain"], ips["dlib"]), "(ratio = speed-up)"),
        ("(c) sweep of 4 networks on 2 cores, wall s", p_wall2, torch_wall, ratio(torch_wall, p_wall2),
         "no sweep mode", float("nan"), ">= 2.0x PyTorch (ratio = speed-up)"),
        ("(c) sweep, CPU s of the 4 trainings (sum)", sweep2["json"]["cpu_seconds"],
         torch_sweep["json"]["cpu_seconds"] if torch_sweep else float("nan"),
         ratio(torch_sweep["json"]["cpu_seconds"] if torch_sweep else 0, sweep2["json"]["cpu_seconds"]),
         "no sweep mode", float("nan"), "(ratio = speed-up)"),
        ("(e) peak RSS, process training the seed CNN, MiB", rss["partrain"], rss["pytorch"],
         ratio(rss["partrain"], rss["pytorch"]), rss["dlib"], ratio(rss["partrain"], rss["dlib"]), "(lower is better)"),
        *resnet_rows.rows(resnet, ratio),
    ]
    lines = ["| figure | partrain | PyTorch | partrain / PyTorch | dlib | partrain / dlib | goal |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name, pv, tv, tr, dv, dr, goal in rows:
        x = lambda v: f"{v:.2f}x" if v == v else "n/a"
        peer = lambda v, who: fmt(v) if v == v or who not in missing else "missing"
        lines.append(f"| {name} | {fmt(pv)} | {peer(tv, 'pytorch')} | {x(tr)} | {peer(dv, 'dlib')} | {x(dr)} | {goal} |")
    conv_gflops = layers["conv_gflops"]
    own = [
        "| partrain figure | value | goal |", "| --- | ---: | --- |",
        f"| (d) conv layers GFLOP/s (bench_seed_cnn_layers, best of 20) | {conv_gflops:.1f} = {100 * conv_gflops / peak:.0f}% of "
        f"AVX2 FMA peak {peak:.1f} ({100 * conv_gflops / fma['fma_peak_gflops_avx512']:.0f}% of AVX-512 peak "
        f"{fma['fma_peak_gflops_avx512']:.1f}) | >= 25% of peak |"
        if isinstance(fma.get("fma_peak_gflops_avx512"), (int, float)) else
        f"| (d) conv layers GFLOP/s | {conv_gflops:.1f} = {100 * conv_gflops / peak:.0f}% of FMA peak {peak:.1f} | >= 25% |",
        f"| (d) whole training step GFLOP/s (conv + FC FLOPs x images/s of (a)) | {train_gflops:.1f} = "
        f"{100 * train_gflops / peak:.0f}% of AVX2 peak"
        + (f" ({100 * train_gflops / fma['fma_peak_gflops_avx512']:.0f}% of AVX-512 peak)"
           if isinstance(fma.get("fma_peak_gflops_avx512"), (int, float)) else "")
        + " | >= 30% of the AVX-512 peak |",
        f"| forward+backward step images/s (bench_seed_cnn_step 40: mean / best step) | "
        f"{step['images_per_second']:,.0f} / {step['best_step_images_per_second']:,.0f} | |",
        f"| (c) sweep wall s, 1 worker / 2 workers (speed-up) | {p_wall1:.2f} / {p_wall2:.2f} ({p_wall1 / p_wall2:.2f}x) | |",
        f"| (c) cores kept busy during the 2-worker sweeps, CPU s / wall s (2.0 = both; less: others used the "
        f"machine) | partrain {sweep2['cpu'] / sweep2['wall']:.2f}, PyTorch "
        f"{fmt(torch_sweep['cpu'] / torch_sweep['wall'], 2) if torch_sweep else 'missing'} | |",
        f"| demo train_in_parallel --epochs 1, wall s, 1 worker / 2 workers (speed-up) | {demo[1]['wall']:.1f} / "
        f"{demo[2]['wall']:.1f} ({demo[1]['wall'] / demo[2]['wall']:.2f}x) | |",
        f"| data: augmented images/s one core (x reflection, x/y translation +-4) vs training's {ips['partrain']:,.0f} | "
        f"{aug_ips:,.0f} ({aug_ips / ips['partrain']:.1f}x) | >= 10x |",
        f"| data: training loop wait per batch, prefetch on / off (us) | "
        f"{' / '.join(w for _, w in sorted(waits, key=lambda t: t[0] != 'on')) or 'n/a'} | |",
        f"| (e) sweep process peak RSS (4 networks, 2 workers), MiB | {sweep2['maxrss_kib'] / 1024:.0f} | |",
    ]
    compile_rows = compile_times.markdown(compiles, 3)
    net_rows = ["| network | parameters | parameter + gradient bytes | activation + gradient bytes per image (x128 batch) |",
                "| --- | ---: | ---: | ---: |"]
    for key, n in sizes.items():
        label = "seed_cnn (8-16-32)" if key == "seed" else f"digit_cnn<{key}> (peer family)"
        net_rows.append(f"| {label} | {n['parameter_count']:,} | {8 * n['parameter_count']:,} | "
                        f"{n['activation_bytes_per_image']:,} ({n['activation_bytes_per_image'] * 128 / 2**20:.1f} MiB) |")
    per_net = ["| sweep network (2 workers) | partrain s (CPU s) | partrain iterations only, s | PyTorch s (CPU s) "
               "| PyTorch / partrain CPU s |", "| --- | ---: | ---: | ---: | ---: |"]
    torch_runs = {t["network"]: t for t in torch_sweep["json"]["trainings"]} if torch_sweep else {}
    for t in sweep2["json"]["trainings"]:
        o = torch_runs.get(t["network"])
        per_net.append(f"| {t['network']} | {t['seconds']:.2f} ({t['cpu_seconds']:.2f}) | {t['iteration_seconds']:.2f} | "
                       + (f"{o['seconds']:.2f} ({o['cpu_seconds']:.2f}) | {o['cpu_seconds'] / t['cpu_seconds']:.2f}x |"
                          if o else "not run | n/a |"))
    m = machine()
    loads = f"{min(r.loads):.2f}-{max(r.loads):.2f}"
    finished = datetime.datetime.now()
    report = "\n".join([
        f"### Run {started:%Y-%m-%d %H:%M} — commit {commit(a.root)}",
        "",
        f"Machine: {m['cpu']}; {m['os']}, kernel {m['kernel']}; {m['compiler']}; OpenBLAS {m['openblas']}, "
        f"torch {m['torch'] or 'missing'}, dlib {m['dlib'] or 'missing'}. 1-minute load average before the "
        f"steps: {loads} (the machine is shared). Harness wall time {(finished - started).total_seconds():.0f} s.",
        "" if not missing else f"\n**Missing peers (not run): {', '.join(missing)}.**\n",
        f"Settings: single-core runs under `taskset -c 0` with OPENBLAS/OMP/MKL_NUM_THREADS=1, {a.epochs} epochs "
        f"on the same 8,000 images (generated digits, split 0.8/0.1/0.1 per label, seed 42, PTBATCH1 file), "
        f"5 warm-up iterations, best of {a.rounds} alternating rounds; sweeps {a.sweep_epochs} epoch(s) per network.",
        "",
        *lines, "", *own, "", *compile_rows, "", *per_net, "", *net_rows, ""])
    print("\n" + report)
    if not a.no_append:
        results = os.path.join(a.root, "benchmarks", "RESULTS.md")
        with open(results, "a") as f:
            f.write("\n" + report + "\n")
        print(f"appended to {results}")
    with open(os.path.join(work, "last_run.json"), "w") as f:
        json.dump(log, f, indent=1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HarnessError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
