#!/usr/bin/python3
"""Self-checks of partrain_bench_training (the harness's partrain side): every bad input gets
a clear error, the shared PTBATCH1 file is what the peers read, short real trainings learn.
Needs PARTRAIN_BENCH_TRAINING and PARTRAIN_GENERATE_DIGITS (set by ctest -L bench)."""

import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import unittest

BENCH = os.environ.get("PARTRAIN_BENCH_TRAINING", "")
GENERATE = os.environ.get("PARTRAIN_GENERATE_DIGITS", "")
HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args, expect=0):
    p = subprocess.run([BENCH, *args], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    if p.returncode != expect:
        raise AssertionError(f"{args}: exit {p.returncode}, expected {expect}\n{p.stdout}\n{p.stderr}")
    return json.loads(p.stdout.splitlines()[-1]) if expect == 0 and p.stdout.startswith("{") else p.stderr


def write_batch(path, n=4, c=1, h=28, w=28, labels=None, extra=b"", magic=b"PTBATCH1"):
    labels = labels if labels is not None else [i % 10 for i in range(n)]
    with open(path, "wb") as f:
        f.write(magic + struct.pack("<4i", n, c, h, w))
        f.write(struct.pack(f"<{n * c * h * w}f", *([0.5] * (n * c * h * w))))
        f.write(struct.pack(f"<{len(labels)}i", *labels) + extra)


def conv_net_params(widths, final):
    """Parameters of image input -> [conv3x3 W, BN, ReLU, pool]... -> conv3x3 final, BN -> FC 10."""
    total, c, hw = 0, 1, 28
    for w in widths:
        total += 9 * c * w + w + 2 * w
        c, hw = w, hw // 2
    total += 9 * c * final + final + 2 * final
    return total + final * hw * hw * 10 + 10


class BadInput(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "x.ptbatch")

    def test_usage_and_commands(self):
        self.assertIn("usage:", run(expect=2))
        self.assertIn("[partrain::bench::training] unknown command 'train'; expected write-data, single, sweep or sizes",
                      run("train", expect=1))
        self.assertIn("single: unknown option '--workers'", run("single", "--workers", "2", expect=1))
        self.assertIn("--epochs needs a value", run("single", "--epochs", expect=1))
        self.assertIn("missing --data", run("single", expect=1))

    def test_numbers(self):
        write_batch(self.path, n=256)
        self.assertIn("--epochs '0': expected an integer >= 1", run("single", "--data", self.path, "--epochs", "0", expect=1))
        self.assertIn("--workers 'two': expected an integer >= 1", run("sweep", "--data", self.path, "--workers", "two", expect=1))
        self.assertIn("--warmup 9: expected fewer than the 2 iterations of --epochs 1",
                      run("single", "--data", self.path, "--epochs", "1", "--warmup", "9", expect=1))
        self.assertIn("--net '7,7': expected seed, 8,2, 16,2, 8,1 or 32,2",
                      run("single", "--data", self.path, "--net", "7,7", expect=1))

    def test_data_files(self):
        missing = os.path.join(self.tmp.name, "none.ptbatch")
        self.assertIn(f"--data '{missing}': cannot open", run("single", "--data", missing, expect=1))
        write_batch(self.path, magic=b"PTBATCH2")
        self.assertIn("expected a PTBATCH1 file", run("single", "--data", self.path, expect=1))
        write_batch(self.path, h=32, w=32)
        self.assertIn("images are 4x1x32x32 (n x c x h x w); expected n > 0 and 1x28x28",
                      run("single", "--data", self.path, expect=1))
        write_batch(self.path, labels=[0, 1, 2])
        self.assertIn("expected exactly", run("single", "--data", self.path, expect=1))
        write_batch(self.path, extra=b"\0")
        self.assertIn("expected exactly", run("single", "--data", self.path, expect=1))
        write_batch(self.path, labels=[0, 1, 12, 3])
        self.assertIn("label 12 outside 0..9", run("single", "--data", self.path, expect=1))

    def test_digit_folder_with_wrong_labels(self):
        root = os.path.join(self.tmp.name, "three")
        for label in "abc":
            os.makedirs(os.path.join(root, label))
        png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010800000000"
                            "3a7e9b550000000a49444154789c6360000000020001e221bc330000000049454e44ae426082")
        for label in "abc":
            for i in range(10):
                with open(os.path.join(root, label, f"{i}.png"), "wb") as f:
                    f.write(png)
        self.assertIn(f"--digits '{root}' has 3 label folders; expected 10 (0..9)",
                      run("write-data", "--digits", root, "--out", self.path, expect=1))


class RealRuns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        digits = os.path.join(cls.tmp.name, "digits")
        subprocess.run([GENERATE, digits, "--seed", "7", "--count-per-class", "80"], check=True,
                       capture_output=True, timeout=120)
        cls.batch = os.path.join(cls.tmp.name, "train.ptbatch")
        cls.written = run("write-data", "--digits", digits, "--out", cls.batch, "--seed", "3")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_written_file_is_the_training_split(self):
        self.assertEqual(self.written["images"], 640)  # 0.8 of 80 per label, 10 labels
        with open(self.batch, "rb") as f:
            raw = f.read()
        self.assertEqual(len(raw), 24 + 4 * 640 * 784 + 4 * 640)
        self.assertEqual(raw[:8], b"PTBATCH1")
        self.assertEqual(struct.unpack("<4i", raw[8:24]), (640, 1, 28, 28))
        pixels = struct.unpack(f"<{640 * 784}f", raw[24:24 + 4 * 640 * 784])
        self.assertGreaterEqual(min(pixels), 0.0)
        self.assertLessEqual(max(pixels), 1.0)
        self.assertGreater(max(pixels), 0.5)  # scaled 0..255 -> 0..1, not all dark
        labels = struct.unpack("<640i", raw[24 + 4 * 640 * 784:])
        self.assertEqual(sorted(set(labels)), list(range(10)))
        self.assertTrue(all(labels.count(k) == 64 for k in range(10)))

    def test_single_trains_and_reports(self):
        r = run("single", "--data", self.batch, "--epochs", "3", "--warmup", "2")
        self.assertEqual((r["network"], r["iterations"], r["warmup_iterations"]), ("seed_cnn", 15, 2))
        self.assertEqual(r["parameter_count"], conv_net_params([8, 16], 32))
        self.assertEqual(r["parameter_bytes"], 4 * r["parameter_count"])
        self.assertGreater(r["images_per_second"], 0)
        self.assertLess(r["final_loss"], math.log(10))  # learned something in 15 steps
        self.assertGreater(r["peak_rss_kib"] * 1024, r["data_bytes"])

    def test_single_wide_network(self):
        r = run("single", "--data", self.batch, "--net", "32,2", "--epochs", "1", "--warmup", "1")
        self.assertEqual(r["network"], "digit_cnn<32,2>")
        self.assertEqual(r["parameter_count"], conv_net_params([32, 32], 128))

    def test_sweep_on_two_workers(self):
        r = run("sweep", "--data", self.batch, "--workers", "2", "--epochs", "1")
        self.assertEqual([t["network"] for t in r["trainings"]],
                         ["digit_cnn<8,2>", "digit_cnn<16,2>", "digit_cnn<8,1>", "digit_cnn<32,2>"])
        for t in r["trainings"]:
            self.assertEqual(t["iterations"], 5)
            self.assertGreater(t["cpu_seconds"], 0)
            self.assertTrue(0 < t["iteration_seconds"] <= t["seconds"])
            self.assertTrue(math.isfinite(t["final_loss"]))
        self.assertGreater(r["wall_seconds"], 0)
        self.assertLess(r["wall_seconds"], sum(t["seconds"] for t in r["trainings"]) + 1)

    def test_sizes_match_the_peer_family(self):
        nets = {n["network"]: n["parameter_count"] for n in run("sizes")["networks"]}
        self.assertEqual(nets, {"seed": conv_net_params([8, 16], 32), "8,2": conv_net_params([8, 8], 32),
                                "16,2": conv_net_params([16, 16], 64), "8,1": conv_net_params([8], 32),
                                "32,2": conv_net_params([32, 32], 128)})


class HarnessArguments(unittest.TestCase):
    def test_bad_counts_and_missing_programs(self):
        harness = [sys.executable, os.path.join(HERE, "harness.py")]
        p = subprocess.run(harness + ["--build", "/nonexistent", "--root", HERE, "--epochs", "0"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("[partrain::bench::harness] --epochs 0: expected at least 1", p.stderr)
        p = subprocess.run(harness + ["--build", "/nonexistent", "--root", HERE], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("'/nonexistent/benchmarks/train/partrain_bench_training' does not exist", p.stderr)


if __name__ == "__main__":
    if not (os.path.exists(BENCH) and os.path.exists(GENERATE)):
        sys.exit("[partrain::bench::test_bench_training] set PARTRAIN_BENCH_TRAINING and PARTRAIN_GENERATE_DIGITS "
                 f"to the built programs (got '{BENCH}', '{GENERATE}')")
    unittest.main()
