#!/usr/bin/python3
"""PyTorch peer of partrain's CPU benchmark: the seed CNN (SEED.md section 5) and the
digit_cnn<Width,Depth> sweep, one thread per process, trained with SGD+momentum as MATLAB does.

Prints one JSON line. See benchmarks/peers/README.md for the options and the PTBATCH1 format.
Needs Debian's python3-torch, python3-numpy and (for PNG folders) python3-pil.
"""
import argparse
import json
import multiprocessing as mp
import os
import struct
import sys
import time

# One thread per process: Debian's torch and numpy call OpenBLAS, which sizes its own thread
# pool from these variables when it is loaded (torch.set_num_threads does not reach it).
_THREADS = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv[1:-1] else "1"
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _THREADS)

import numpy as np  # noqa: E402  (after the thread variables)

PEER = "pytorch"
WHERE = "[partrain::bench::pytorch_seed_cnn]"
MAGIC = b"PTBATCH1"
SWEEP = [(8, 2), (16, 2), (8, 1), (32, 2)]  # digit_cnn<Width,Depth>, as in NORTH_STAR.cpp


class BenchError(Exception):
    """Bad input: the message names the file/option and what was expected."""


# ---------------------------------------------------------------- data


def read_ptbatch(path):
    """PTBATCH1 file -> (images float32 [n,c,h,w], labels int64 [n]). Little-endian."""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise BenchError(f"{WHERE} '{path}': cannot read ({e.strerror})")
    if len(blob) < 24 or blob[:8] != MAGIC:
        raise BenchError(f"{WHERE} '{path}': expected a PTBATCH1 file (8-byte magic "
                         f"'PTBATCH1' + int32 n,c,h,w); got {blob[:8]!r}")
    n, c, h, w = struct.unpack("<4i", blob[8:24])
    if min(n, c, h, w) <= 0:
        raise BenchError(f"{WHERE} '{path}': header n,c,h,w = {n},{c},{h},{w}; "
                         "expected all positive")
    want = 24 + 4 * n * c * h * w + 4 * n
    if len(blob) != want:
        raise BenchError(f"{WHERE} '{path}': {len(blob)} bytes; expected {want} for "
                         f"n={n} images of {c}x{h}x{w} float32 + {n} int32 labels")
    pixels = np.frombuffer(blob, "<f4", n * c * h * w, 24).reshape(n, c, h, w)
    labels = np.frombuffer(blob, "<i4", n, 24 + 4 * n * c * h * w).astype(np.int64)
    if not np.isfinite(pixels).all():
        raise BenchError(f"{WHERE} '{path}': images contain NaN or Inf; expected finite pixels")
    return pixels.copy(), labels


def write_ptbatch(path, pixels, labels):
    """Writes images [n,c,h,w] and labels [n] as a PTBATCH1 file."""
    pixels = np.ascontiguousarray(pixels, "<f4")
    with open(path, "wb") as f:
        f.write(MAGIC + struct.pack("<4i", *pixels.shape))
        f.write(pixels.tobytes())
        f.write(np.ascontiguousarray(labels, "<i4").tobytes())


def read_png_folder(root):
    """<root>/<label>/*.png -> images in [0,1], labels = index of the sorted label folder."""
    from PIL import Image

    if not os.path.isdir(root):
        raise BenchError(f"{WHERE} '{root}': not a folder; expected <dir>/<label>/*.png "
                         "or a PTBATCH1 file")
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    if all(c.isdigit() for c in classes):
        classes.sort(key=int)
    images, labels = [], []
    for k, name in enumerate(classes):
        folder = os.path.join(root, name)
        for file in sorted(os.listdir(folder)):
            if not file.lower().endswith(".png"):
                continue
            path = os.path.join(folder, file)
            try:
                img = np.asarray(Image.open(path).convert("L"), np.float32) / 255.0
            except OSError as e:
                raise BenchError(f"{WHERE} '{path}': cannot decode PNG ({e})")
            if img.shape != (28, 28):
                raise BenchError(f"{WHERE} '{path}': image is {img.shape[1]}x{img.shape[0]}; "
                                 "expected 28x28")
            images.append(img)
            labels.append(k)
    if not images:
        raise BenchError(f"{WHERE} '{root}': no PNG files in label sub-folders; expected "
                         "<dir>/<label>/*.png")
    return np.stack(images)[:, None], np.asarray(labels, np.int64)


def synthetic(n, seed):
    """n learnable 28x28 images: a fixed random prototype per class plus noise."""
    rng = np.random.default_rng(seed)
    protos = rng.random((10, 1, 28, 28), np.float32)
    labels = rng.integers(0, 10, n)
    noise = rng.normal(0, 0.3, (n, 1, 28, 28)).astype(np.float32)
    return protos[labels] + noise, labels.astype(np.int64)


def load_data(path, n_synthetic, seed):
    if path is None:
        return synthetic(n_synthetic, seed)
    if os.path.isdir(path):
        pixels, labels = read_png_folder(path)
    else:
        pixels, labels = read_ptbatch(path)
    if pixels.shape[1:] != (1, 28, 28):
        raise BenchError(f"{WHERE} '{path}': images are {'x'.join(map(str, pixels.shape[1:]))} "
                         "(c x h x w); expected 1x28x28")
    if labels.min() < 0 or labels.max() > 9:
        raise BenchError(f"{WHERE} '{path}': labels span {labels.min()}..{labels.max()}; "
                         "expected 0..9")
    return pixels, labels


# ---------------------------------------------------------------- networks


def make_net(widths, final_width, mean_image):
    """image_input(zerocenter) -> [conv3x3 'same', BN, ReLU, maxpool 2 s2] per entry of widths
    -> conv3x3 final_width 'same', BN, ReLU -> FC 10. Softmax+cross-entropy live in the loss."""
    import torch
    from torch import nn

    class ZeroCenter(nn.Module):  # MATLAB's imageInputLayer 'zerocenter': minus the mean image
        def __init__(self, mean):
            super().__init__()
            self.register_buffer("mean", torch.as_tensor(mean))

        def forward(self, x):
            return x - self.mean

    def conv_bn_relu(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout, eps=1e-5), nn.ReLU()]

    layers, cin, side = [ZeroCenter(mean_image)], 1, 28
    for w in widths:
        layers += conv_bn_relu(cin, w) + [nn.MaxPool2d(2, 2)]
        cin, side = w, side // 2
    layers += conv_bn_relu(cin, final_width)
    layers += [nn.Flatten(), nn.Linear(final_width * side * side, 10)]
    net = nn.Sequential(*layers)
    for m in net.modules():  # MATLAB defaults: Glorot-uniform weights, zero biases
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def seed_net(mean_image):
    return make_net([8, 16], 32, mean_image)


def digit_cnn(width, depth, mean_image):
    return make_net([width] * depth, 4 * width, mean_image)


def make_optimizer(net, lr, momentum, l2):
    """sgdm; L2 on conv/FC weights only (biases and BN scale/offset are not decayed)."""
    import torch

    decay = [p for n, p in net.named_parameters() if n.endswith("weight") and p.dim() > 1]
    rest = [p for n, p in net.named_parameters() if not (n.endswith("weight") and p.dim() > 1)]
    return torch.optim.SGD([{"params": decay, "weight_decay": l2},
                            {"params": rest, "weight_decay": 0.0}], lr=lr, momentum=momentum)


# ---------------------------------------------------------------- training


def set_threads(threads):
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # already set in this process (only allowed once)
        pass


class Trainer:
    """Holds data as tensors and runs mini-batch SGD steps; shuffles every epoch and drops the
    last partial batch, as MATLAB's trainNetwork does."""

    def __init__(self, net, x, y, args, seed):
        import torch

        self.torch = torch
        self.net, self.x, self.y, self.batch = net, x, y, args.batch
        self.opt = make_optimizer(net, args.lr, args.momentum, args.l2)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.gen = torch.Generator().manual_seed(seed)
        self.per_epoch = len(y) // args.batch
        self.order, self.pos = None, self.per_epoch
        self.last_loss, self.correct, self.seen = float("nan"), 0, 0
        net.train()

    def step(self):
        if self.pos == self.per_epoch:
            self.order = self.torch.randperm(len(self.y), generator=self.gen)
            self.pos = 0
        idx = self.order[self.pos * self.batch:(self.pos + 1) * self.batch]
        self.pos += 1
        xb, yb = self.x.index_select(0, idx), self.y.index_select(0, idx)
        self.opt.zero_grad(set_to_none=True)
        out = self.net(xb)
        loss = self.loss_fn(out, yb)
        loss.backward()
        self.opt.step()
        self.last_loss = loss.item()
        self.correct += int((out.argmax(1) == yb).sum())
        self.seen += len(yb)

    def accuracy(self):
        """Training accuracy (%) over the steps since the last call."""
        acc = 100.0 * self.correct / max(self.seen, 1)
        self.correct = self.seen = 0
        return acc


def as_tensors(pixels, labels):
    import torch

    return torch.from_numpy(np.ascontiguousarray(pixels)), torch.from_numpy(labels)


def run_single(args):
    import torch

    set_threads(args.threads)
    torch.manual_seed(args.seed)
    pixels, labels = load_data(args.data, args.images, args.seed)
    if len(labels) < args.batch:
        raise BenchError(f"{WHERE} --batch {args.batch}: data has only {len(labels)} images; "
                         "expected at least one full mini-batch")
    x, y = as_tensors(pixels, labels)
    net = seed_net(pixels.mean(0)) if args.net == "seed" else digit_cnn(*args.net, pixels.mean(0))
    trainer = Trainer(net, x, y, args, args.seed)
    for _ in range(args.warmup):
        trainer.step()
    trainer.accuracy()
    steps = args.epochs * trainer.per_epoch if args.epochs else args.iterations
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(steps):
        trainer.step()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start  # all threads; wall - cpu = time others got
    ips = steps * args.batch / seconds
    return {"peer": PEER, "mode": "single", "network": net_name(args.net),
            "images_per_second": round(ips, 1), "threads": args.threads,
            "images_per_cpu_second": round(steps * args.batch / max(cpu, 1e-9), 1),
            "epoch_seconds": round(trainer.per_epoch * args.batch / ips, 4),
            "iterations": steps, "warmup_iterations": args.warmup, "batch": args.batch,
            "images": len(labels), "seconds": round(seconds, 4), "cpu_seconds": round(cpu, 4),
            "final_loss": round(trainer.last_loss, 5),
            "train_accuracy": round(trainer.accuracy(), 2), "torch": torch.__version__}


def net_name(net):
    return "seed_cnn" if net == "seed" else f"digit_cnn<{net[0]},{net[1]}>"


def sweep_worker(args, tasks, results, ready, go):
    """One process: loads the data, reports ready, then trains networks from `tasks`."""
    import torch

    set_threads(args.threads)
    try:
        pixels, labels = load_data(args.data, args.images, args.seed)
        x, y = as_tensors(pixels, labels)
        mean = pixels.mean(0)
    except BenchError as e:
        ready.put(str(e))
        return
    ready.put(None)
    go.wait()
    while True:
        task = tasks.get()
        if task is None:
            return
        k, (width, depth) = task
        torch.manual_seed(args.seed + k)
        start, cpu_start = time.perf_counter(), time.process_time()
        trainer = Trainer(digit_cnn(width, depth, mean), x, y, args, args.seed + k)
        steps = args.epochs * trainer.per_epoch
        for _ in range(steps):
            trainer.step()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        results.put({"network": net_name((width, depth)), "trial": k, "pid": os.getpid(),
                     "images": len(labels), "iterations": steps, "seconds": round(seconds, 3),
                     "cpu_seconds": round(cpu, 3),
                     "images_per_second": round(steps * args.batch / seconds, 1),
                     "final_loss": round(trainer.last_loss, 5),
                     "train_accuracy": round(trainer.accuracy(), 2)})


def run_sweep(args):
    """K trainings of the digit_cnn sweep (cycling through its 4 networks) on P processes."""
    ctx = mp.get_context("spawn")  # fresh interpreters: no OpenMP pool inherited through fork
    tasks, results, ready, go = ctx.Queue(), ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=sweep_worker, args=(args, tasks, results, ready, go))
             for _ in range(args.processes)]
    for p in procs:
        p.start()
    errors = [e for e in (ready.get() for _ in procs) if e]
    if errors:
        go.set()
        for p in procs:
            tasks.put(None)
        raise BenchError(errors[0])
    for k in range(args.sweep):
        tasks.put((k, SWEEP[k % len(SWEEP)]))
    for _ in procs:
        tasks.put(None)
    start = time.perf_counter()  # data loading and interpreter start-up are excluded
    go.set()
    runs = sorted((results.get() for _ in range(args.sweep)), key=lambda r: r["trial"])
    wall = time.perf_counter() - start
    for p in procs:
        p.join()
    total = sum(r["iterations"] * args.batch for r in runs)
    return {"peer": PEER, "mode": "sweep", "networks": args.sweep, "processes": args.processes,
            "threads": args.threads, "epochs": args.epochs, "batch": args.batch,
            "images": runs[0]["images"],
            "wall_seconds": round(wall, 3), "images_per_second": round(total / wall, 1),
            "cpu_seconds": round(sum(r["cpu_seconds"] for r in runs), 3),
            "trainings": runs}


# ---------------------------------------------------------------- command line


def positive_int(option):
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            v = 0
        if v <= 0:
            raise argparse.ArgumentTypeError(f"{WHERE} {option} '{text}': expected a positive "
                                             "integer")
        return v
    return parse


def network_arg(text):
    if text == "seed":
        return "seed"
    try:
        w, d = (int(t) for t in text.split(","))
        if w > 0 and 1 <= d <= 4:
            return (w, d)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{WHERE} --net '{text}': expected 'seed' or "
                                     "'WIDTH,DEPTH' (digit_cnn, depth 1..4)")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", help="PNG folder <dir>/<label>/*.png or PTBATCH1 file "
                   "(default: synthetic data)")
    p.add_argument("--images", type=positive_int("--images"), default=8000,
                   help="synthetic images when no --data (default 8000)")
    p.add_argument("--net", type=network_arg, default="seed",
                   help="'seed' (default) or WIDTH,DEPTH for digit_cnn<WIDTH,DEPTH>")
    p.add_argument("--iterations", type=positive_int("--iterations"), default=50,
                   help="timed iterations (default 50; ignored with --epochs)")
    p.add_argument("--epochs", type=positive_int("--epochs"),
                   help="timed full epochs instead of --iterations; per network with --sweep")
    p.add_argument("--warmup", type=int, default=5, help="untimed iterations first (default 5)")
    p.add_argument("--batch", type=positive_int("--batch"), default=128)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--threads", type=positive_int("--threads"), default=1,
                   help="intra-op threads per process (default 1)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--sweep", type=positive_int("--sweep"),
                   help="train K digit_cnn sweep networks (8,2),(16,2),(8,1),(32,2),... ")
    p.add_argument("--processes", type=positive_int("--processes"), default=1,
                   help="processes for --sweep (default 1)")
    args = p.parse_args(argv)
    if args.warmup < 0:
        p.error(f"{WHERE} --warmup '{args.warmup}': expected 0 or more")
    if args.sweep and not args.epochs:
        args.epochs = 1
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        report = run_sweep(args) if args.sweep else run_single(args)
    except BenchError as e:
        print(e, file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
