#!/usr/bin/python3
"""PyTorch peer of partrain's ResNet row: models::resnet<Width, Units> (MATLAB's CIFAR
ResNet: conv 3x3 -> BN -> ReLU, three stages of Units units of Width, 2 Width, 4 Width
filters, global average pooling, FC 10) trained on one thread with SGD+momentum, as
partrain_bench_training resnet does, on the same PTBATCH1 file (any C x H x W).

Prints one JSON line: images/s after --warmup iterations, peak RSS. Needs Debian's
python3-torch and python3-numpy. Both sides: zero-centred input (the data's mean image),
Glorot-uniform (or, with --init kaiming, He-normal fan-out) convolution weights, zero
biases, batch norm eps 1e-5 and momentum 0.1, lr 0.01, momentum 0.9, L2 1e-4 on weights.
One difference in the network: a 3x3 convolution at stride 2 pads 1 on every side here
(torchvision's way) and 0 top-left, 1 bottom-right in partrain (MATLAB's 'same'); the work
is the same.
"""
import argparse
import json
import os
import resource
import sys
import time

_THREADS = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv[1:-1] else "1"
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _THREADS)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_seed_cnn import (BenchError, Trainer, as_tensors, positive_int, read_ptbatch,  # noqa: E402
                              set_threads)

WHERE = "[partrain::bench::pytorch_resnet]"


def make_resnet(width, units, channels, mean_image, init):
    import torch
    from torch import nn

    class ZeroCenter(nn.Module):  # MATLAB's imageInputLayer 'zerocenter'
        def __init__(self, mean):
            super().__init__()
            self.register_buffer("mean", torch.as_tensor(mean))

        def forward(self, x):
            return x - self.mean

    class Unit(nn.Module):  # conv-bn-relu-conv-bn + shortcut (1x1 conv + bn at stride 2), relu
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU(),
                                      nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout))
            self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0), nn.BatchNorm2d(cout))
                             if stride != 1 or cin != cout else nn.Identity())
            self.relu = nn.ReLU()

        def forward(self, x):
            return self.relu(self.body(x) + self.shortcut(x))

    layers = [ZeroCenter(mean_image), nn.Conv2d(channels, width, 3, 1, 1), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage, w in enumerate((width, 2 * width, 4 * width)):
        for u in range(units):
            layers.append(Unit(cin, w, 2 if stage > 0 and u == 0 else 1))
            cin = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, nn.Conv2d) and init == "kaiming":
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.zeros_(m.bias)
    return net


def run(args):
    import torch

    set_threads(args.threads)
    torch.manual_seed(args.seed)
    pixels, labels = read_ptbatch(args.data)
    if len(labels) < args.batch:
        raise BenchError(f"{WHERE} --data '{args.data}': {len(labels)} images; expected at least --batch")
    x, y = as_tensors(pixels, labels)
    net = make_resnet(args.width, args.units, pixels.shape[1], pixels.mean(0), args.init)
    trainer = Trainer(net, x, y, args, args.seed)
    for _ in range(args.warmup):
        trainer.step()
    trainer.accuracy()
    steps = args.iterations
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(steps):
        trainer.step()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    c, h, w = pixels.shape[1:]
    return {"peer": "pytorch", "mode": "single", "network": f"resnet<{args.width},{args.units}> on {h}x{w}x{c}",
            "images_per_second": round(steps * args.batch / seconds, 1),
            "images_per_cpu_second": round(steps * args.batch / max(cpu, 1e-9), 1),
            "iterations": steps, "warmup_iterations": args.warmup, "batch": args.batch,
            "parameter_count": sum(p.numel() for p in net.parameters()),
            "final_loss": round(trainer.last_loss, 5), "train_accuracy": round(trainer.accuracy(), 2),
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "torch": torch.__version__}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="PTBATCH1 file (partrain_bench_training write-synthetic)")
    p.add_argument("--width", type=positive_int("--width"), default=16)
    p.add_argument("--units", type=positive_int("--units"), default=3)
    p.add_argument("--init", choices=("glorot", "kaiming"), default="glorot")
    p.add_argument("--iterations", type=positive_int("--iterations"), default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=positive_int("--batch"), default=128)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--threads", type=positive_int("--threads"), default=1)
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    try:
        print(json.dumps(run(args)))
    except BenchError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
