"""The harness's ResNet rows: resnet<16, 3> (ResNet-20) training on one core, on generated
32x32x3 and 28x28x1 images, partrain's bench_resnet against the PyTorch peer
(peers/pytorch_resnet.py, the same architecture, initialiser, solver and mini-batch) on the
same PTBATCH1 file, in alternating rounds, the best round of each side kept."""

import os

SHAPES = (("32x32x3", 32, 3), ("28x28x1", 28, 1))
ITERATIONS = ["--iterations", "20", "--warmup", "3"]


def measure(r, bench, root, work, rounds, missing, one_core):
    """{shape: {"partrain": run, "pytorch": run or None}}, each the round with the most images/s."""
    peer = ["/usr/bin/python3", os.path.join(root, "benchmarks", "peers", "pytorch_resnet.py")]
    best = {}
    for label, side, channels in SHAPES:
        data = os.path.join(work, f"resnet_{label}.ptbatch")
        if not os.path.exists(data):
            r.run(f"write resnet data {label}", [bench, "write", "--side", str(side), "--channels", str(channels),
                                                 "--images", "2560", "--out", data])
        runs = {"partrain": [], "pytorch": []}
        for _ in range(rounds):
            runs["partrain"].append(r.run(f"partrain resnet-20 {label}",
                                          one_core + [bench, "train", "--data", data, *ITERATIONS]))
            if "pytorch" not in missing:
                runs["pytorch"].append(r.run(f"pytorch resnet-20 {label}",
                                             one_core + peer + ["--data", data, *ITERATIONS]))
        best[label] = {k: max(v, key=lambda x: x["json"]["images_per_second"]) if v else None
                       for k, v in runs.items()}
    return best


def rows(best, ratio):
    """Rows of the harness's peer table: (figure, partrain, PyTorch, ratio, dlib, dlib ratio, goal)."""
    nan = float("nan")
    out = []
    for label, _, _ in SHAPES:
        p, t = best[label]["partrain"], best[label]["pytorch"]
        pi, ti = p["json"]["images_per_second"], t["json"]["images_per_second"] if t else nan
        pm, tm = p["maxrss_kib"] / 1024, t["maxrss_kib"] / 1024 if t else nan
        out.append((f"(g) ResNet-20 (resnet<16, 3>) on {label}, training images/s, 1 core", pi, ti, ratio(pi, ti),
                    "no ResNet peer", nan, ">= 1.5x PyTorch"))
        out.append((f"(g) ResNet-20 on {label}, peak RSS, MiB", pm, tm, ratio(pm, tm), "no ResNet peer", nan,
                    "(lower is better)"))
    return out
