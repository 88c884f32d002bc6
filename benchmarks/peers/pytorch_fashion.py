#!/usr/bin/python3
"""PyTorch peer of benchmarks/train/fashion_accuracy.cpp: resnet<16, 2> or the seed CNN on
Fashion-MNIST with partrain's recipe, on one thread: the first --per-label training images of
each label in file order, the full test set, pixels 0..255 minus the mean training image,
SGD (lr 0.05, momentum 0.9, L2 1e-4 on weights), mini-batch 128 shuffled every epoch (the
last partial batch dropped), Glorot-uniform weights, zero biases; after training, batch
norm's statistics recomputed over the training set (MATLAB's and partrain's 'population'
statistics; here the average of the batches' statistics). Prints one JSON line.
Needs Debian's python3-torch, python3-numpy and dataset-fashion-mnist.
"""
import argparse
import json
import os
import sys
import time

_THREADS = "1"
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _THREADS)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from optuna_search import read_idx  # noqa: E402
from pytorch_resnet import make_resnet  # noqa: E402
from pytorch_seed_cnn import Trainer, as_tensors, seed_net, set_threads  # noqa: E402


def load(folder, prefix):
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32)
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return images[:, None], labels


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--net", choices=("resnet", "seed"), default="resnet")
    p.add_argument("--per-label", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=5)
    args = p.parse_args(argv)
    args.batch, args.lr, args.momentum, args.l2 = 128, 0.05, 0.9, 1e-4

    import torch

    set_threads(1)
    torch.manual_seed(42)
    pixels, labels = load(args.data, "train")
    keep, taken = [], [0] * 10
    for i, y in enumerate(labels):
        if taken[y] < args.per_label:
            keep.append(i)
            taken[y] += 1
    pixels, labels = pixels[keep], labels[keep]
    test_pixels, test_labels = load(args.data, "t10k")
    mean = pixels.mean(0)
    net = make_resnet(16, 2, 1, mean, "glorot") if args.net == "resnet" else seed_net(mean)
    x, y = as_tensors(pixels, labels)
    start = time.perf_counter()
    trainer = Trainer(net, x, y, args, 42)
    for _ in range(args.epochs * trainer.per_epoch):
        trainer.step()
    with torch.no_grad():  # population statistics: one pass over the training set
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None
        for i in range(0, len(y), args.batch):
            net(x[i:i + args.batch])
    train_seconds = time.perf_counter() - start
    net.eval()
    start = time.perf_counter()
    correct = 0
    tx, ty = as_tensors(test_pixels, test_labels)
    with torch.no_grad():
        for i in range(0, len(ty), 500):
            correct += int((net(tx[i:i + 500]).argmax(1) == ty[i:i + 500]).sum())
    test_seconds = time.perf_counter() - start
    print(json.dumps({"peer": "pytorch", "network": "resnet<16,2>" if args.net == "resnet" else "seed_cnn",
                      "training_images": len(y), "test_images": len(ty), "epochs": args.epochs,
                      "test_accuracy": round(100.0 * correct / len(ty), 2), "train_seconds": round(train_seconds, 1),
                      "test_seconds": round(test_seconds, 1), "final_loss": round(trainer.last_loss, 4),
                      "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
