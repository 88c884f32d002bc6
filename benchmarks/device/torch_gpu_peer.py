#!/usr/bin/env python3
"""PyTorch peer of bench_gpu_training: the seed CNN (conv 8-16-32 + batch norm + ReLU + max
pool, fully connected 10) trained eagerly with SGD+momentum on one GPU, data already on the
device. --nets N runs N processes either one after another (--mode sequential, MATLAB's way on
one GPU) or all at once (--mode concurrent). Prints one JSON line with aggregate images/s."""
import argparse
import json
import multiprocessing as mp
import sys
import time


def train(batch, iterations, seed, start, queue):
    import torch
    from torch import nn

    torch.manual_seed(seed)
    dev = torch.device("cuda")

    def block(cin, cout, pool):
        layers = [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
        return layers + ([nn.MaxPool2d(2, 2)] if pool else [])

    net = nn.Sequential(*block(1, 8, True), *block(8, 16, True), *block(16, 32, False), nn.Flatten(),
                        nn.Linear(32 * 7 * 7, 10)).to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 1, 28, 28, device=dev)
    y = torch.randint(0, 10, (batch,), device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(10):
        step()
    torch.cuda.synchronize()
    if start is not None:
        start.wait()
    t0 = time.perf_counter()
    for _ in range(iterations):
        loss = step()
    torch.cuda.synchronize()
    queue.put((time.perf_counter() - t0, float(loss.detach())))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--nets", type=int, default=1)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--mode", choices=["sequential", "concurrent"], default="sequential")
    a = p.parse_args()
    if a.nets < 1 or a.batch < 1 or a.iterations < 1:
        sys.exit("[partrain::bench::torch_gpu_peer] --nets, --batch and --iterations must be >= 1")
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    if a.mode == "sequential":
        seconds = 0.0
        for i in range(a.nets):
            proc = ctx.Process(target=train, args=(a.batch, a.iterations, i, None, queue))
            proc.start()
            t, _ = queue.get()
            proc.join()
            seconds += t
    else:
        start = ctx.Barrier(a.nets + 1)
        procs = [ctx.Process(target=train, args=(a.batch, a.iterations, i, start, queue)) for i in range(a.nets)]
        for proc in procs:
            proc.start()
        start.wait()
        t0 = time.perf_counter()
        for _ in procs:
            queue.get()
        seconds = time.perf_counter() - t0
        for proc in procs:
            proc.join()
    images = a.nets * a.batch * a.iterations
    print(json.dumps({"bench": "pytorch_gpu", "nets": a.nets, "mode": a.mode, "batch": a.batch,
                      "iterations": a.iterations, "seconds": round(seconds, 4),
                      "images_per_second": round(images / seconds, 1)}))


if __name__ == "__main__":
    main()
