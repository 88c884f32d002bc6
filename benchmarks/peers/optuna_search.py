#!/usr/bin/python3
"""Optuna peer of benchmarks/experiment/early_stopping.sh: the same search space as
examples/search.cpp (partrain's digit_cnn<4,1>, <8,2> and <12,2> x sgdm with momentum, adam or
rmsprop x a log-uniform learn rate), random sampling, Optuna's MedianPruner on the validation
accuracy at each epoch, trained by PyTorch on a Fashion-MNIST subset of the same sizes.

Prints one JSON line: the best trial's (by validation accuracy) test accuracy, the epochs
trained in all, CPU and wall seconds, trials pruned. Needs Debian's python3-optuna,
python3-torch and python3-numpy.
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread variables)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_seed_cnn import make_net, set_threads  # noqa: E402

ARCHITECTURES = [(4, 1), (8, 2), (12, 2)]  # partrain's digit_cnn<Width, Depth>: widths double


def read_idx(path):
    with gzip.open(path, "rb") as f:
        blob = f.read()
    dims = blob[3]
    shape = [int.from_bytes(blob[4 + 4 * k:8 + 4 * k], "big") for k in range(dims)]
    return np.frombuffer(blob, np.uint8, offset=4 + 4 * dims).reshape(shape)


def per_label(labels, counts, rng):
    """Indices: counts[k] of each label's images per part, drawn without replacement."""
    parts = [[] for _ in counts]
    for label in range(10):
        where = rng.permutation(np.flatnonzero(labels == label))
        start = 0
        for p, n in enumerate(counts):
            parts[p].extend(where[start:start + n // 10])
            start += n // 10
    return [np.asarray(p) for p in parts]


def load(folder, train_images, seed):
    import torch

    rng = np.random.default_rng(seed)
    x = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz")).astype(np.float32)[:, None] / 255
    y = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    tx = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz")).astype(np.float32)[:, None] / 255
    ty = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    train, val = per_label(y, [train_images, train_images // 10], rng)
    (test,) = per_label(ty, [2000], rng)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    return (t(x[train]), t(y[train])), (t(x[val]), t(y[val])), (t(tx[test]), t(ty[test]))


def accuracy(net, data):
    import torch

    net.eval()
    with torch.no_grad():
        correct = sum(int((net(xb).argmax(1) == yb).sum()) for xb, yb in zip(data[0].split(512), data[1].split(512)))
    net.train()
    return 100.0 * correct / len(data[1])


def objective(trial, data, args, epochs_done):
    import optuna
    import torch

    (x, y), val, test = data
    width, depth = ARCHITECTURES[trial.suggest_categorical("architecture", [0, 1, 2])]
    solver = trial.suggest_categorical("solver", ["sgdm", "adam", "rmsprop"])
    lr = trial.suggest_float("initial_learn_rate", 3e-4, 0.1, log=True)
    net = make_net([width << k for k in range(depth)], width << depth, x.mean(0).numpy())
    params = net.parameters()
    if solver == "sgdm":
        opt = torch.optim.SGD(params, lr=lr, momentum=trial.suggest_float("momentum", 0.8, 0.95), weight_decay=1e-4)
    elif solver == "adam":
        opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
    else:
        opt = torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-8, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(trial.number)
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(y), generator=gen)
        for k in range(len(y) // args.batch):
            idx = order[k * args.batch:(k + 1) * args.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x.index_select(0, idx)), y.index_select(0, idx))
            loss.backward()
            opt.step()
        epochs_done.append(1)
        value = accuracy(net, val)
        trial.report(value, epoch)
        if trial.should_prune():
            trial.set_user_attr("test_accuracy", accuracy(net, test))
            raise optuna.TrialPruned()
    trial.set_user_attr("test_accuracy", accuracy(net, test))
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fashion-mnist", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--train-images", type=int, default=8000)
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    set_threads(1)
    start = time.monotonic()
    data = load(args.fashion_mnist, args.train_images, args.seed)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=args.seed),
                                pruner=optuna.pruners.MedianPruner())
    epochs_done = []
    study.optimize(lambda t: objective(t, data, args, epochs_done), n_trials=args.trials, n_jobs=args.jobs)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    print(json.dumps({"peer": "optuna " + optuna.__version__ + " + torch", "pruner": "MedianPruner",
                      "trials": len(study.trials), "pruned": len(pruned),
                      "best_validation_accuracy": study.best_value,
                      "best_test_accuracy": study.best_trial.user_attrs["test_accuracy"],
                      "epochs": len(epochs_done), "cpu_seconds": usage.ru_utime + usage.ru_stime,
                      "wall_seconds": time.monotonic() - start}))


if __name__ == "__main__":
    main()
