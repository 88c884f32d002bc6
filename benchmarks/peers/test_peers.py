#!/usr/bin/python3
"""Self-checks of the benchmark peers: data formats, bad input, network shapes, one thread,
short real trainings. Run by ctest (label bench) or by hand:
  PARTRAIN_PEER_DLIB=<dlib_seed_cnn binary> PARTRAIN_BENCH_FMA=<fma_peak binary> \\
      /usr/bin/python3 benchmarks/peers/test_peers.py
"""
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "pytorch_seed_cnn.py")
spec = importlib.util.spec_from_file_location("pytorch_seed_cnn", SCRIPT)
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)
DLIB = os.environ.get("PARTRAIN_PEER_DLIB", "")
FMA = os.environ.get("PARTRAIN_BENCH_FMA", "")


def run(cmd):
    """Runs a peer; returns (exit code, parsed JSON line or None, stderr)."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
    return p.returncode, (json.loads(line) if line.startswith("{") else None), p.stderr


def write_pngs(root, per_label, size=(28, 28), labels=("0", "1", "2")):
    from PIL import Image

    rng = np.random.default_rng(1)
    for name in labels:
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for i in range(per_label):
            pixels = rng.integers(0, 256, size[::-1], dtype=np.uint8)
            Image.fromarray(pixels, "L").save(os.path.join(root, name, f"{i}.png"))


class Formats(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_ptbatch_round_trip(self):
        x = np.random.default_rng(0).random((5, 1, 28, 28), np.float32)
        y = np.array([0, 9, 3, 3, 1])
        peer.write_ptbatch(self.path("a.ptb"), x, y)
        self.assertEqual(os.path.getsize(self.path("a.ptb")), 24 + 5 * 784 * 4 + 5 * 4)
        x2, y2 = peer.read_ptbatch(self.path("a.ptb"))
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(y, y2)

    def expect_error(self, path, *words):
        with self.assertRaises(peer.BenchError) as ctx:
            peer.load_data(path, 0, 0)
        for w in words:
            self.assertIn(w, str(ctx.exception))
        self.assertTrue(str(ctx.exception).startswith(peer.WHERE))

    def test_bad_ptbatch_files(self):
        x = np.zeros((2, 1, 28, 28), np.float32)
        with open(self.path("magic.ptb"), "wb") as f:
            f.write(b"NOTBATCH" + bytes(16))
        self.expect_error(self.path("magic.ptb"), "magic.ptb", "expected a PTBATCH1 file")
        peer.write_ptbatch(self.path("short.ptb"), x, [0, 1])
        with open(self.path("short.ptb"), "r+b") as f:
            f.truncate(100)
        self.expect_error(self.path("short.ptb"), "short.ptb", "100 bytes; expected")
        peer.write_ptbatch(self.path("label.ptb"), x, [0, 10])
        self.expect_error(self.path("label.ptb"), "label.ptb", "expected 0..9")
        peer.write_ptbatch(self.path("shape.ptb"), np.zeros((2, 3, 28, 28), np.float32), [0, 1])
        self.expect_error(self.path("shape.ptb"), "3x28x28", "expected 1x28x28")
        x[1, 0, 5, 5] = np.nan
        peer.write_ptbatch(self.path("nan.ptb"), x, [0, 1])
        self.expect_error(self.path("nan.ptb"), "nan.ptb", "NaN")
        self.expect_error(self.path("missing.ptb"), "missing.ptb", "cannot read")

    def test_png_folder(self):
        write_pngs(self.dir, 3, labels=("2", "10", "0"))
        x, y = peer.load_data(self.dir, 0, 0)
        self.assertEqual(x.shape, (9, 1, 28, 28))
        self.assertTrue(0 <= x.min() and x.max() <= 1)
        np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1, 2, 2, 2])  # numeric order 0,2,10

    def test_bad_png_folders(self):
        write_pngs(self.dir, 1, size=(32, 28), labels=("0",))
        self.expect_error(self.dir, "0.png", "32x28", "expected 28x28")
        empty = self.path("empty")
        os.makedirs(os.path.join(empty, "0"))
        self.expect_error(empty, "no PNG files")
        os.makedirs(self.path("broken/0"))
        with open(self.path("broken/0/x.png"), "wb") as f:
            f.write(b"not a png")
        self.expect_error(self.path("broken"), "x.png", "cannot decode PNG")


class Networks(unittest.TestCase):
    def count(self, net):
        return sum(p.numel() for p in net.parameters())

    def test_seed_cnn_shape_and_parameters(self):
        import torch

        net = peer.seed_net(np.zeros((1, 28, 28), np.float32))
        self.assertEqual(tuple(net(torch.zeros(3, 1, 28, 28)).shape), (3, 10))
        conv = lambda cin, cout: cout * cin * 9 + cout + 2 * cout  # weights, bias, BN scale/offset
        want = conv(1, 8) + conv(8, 16) + conv(16, 32) + 32 * 7 * 7 * 10 + 10
        self.assertEqual(self.count(net), want)

    def test_sweep_networks(self):
        import torch

        conv = lambda cin, cout: cout * cin * 9 + cout + 2 * cout
        for w, d in peer.SWEEP:
            net = peer.digit_cnn(w, d, np.zeros((1, 28, 28), np.float32))
            self.assertEqual(tuple(net(torch.zeros(2, 1, 28, 28)).shape), (2, 10))
            side = 28 >> d
            want = (conv(1, w) + (d - 1) * conv(w, w) + conv(w, 4 * w)
                    + 4 * w * side * side * 10 + 10)
            self.assertEqual(self.count(net), want, f"digit_cnn<{w},{d}>")

    def test_glorot_init_and_zero_bias(self):
        import torch

        torch.manual_seed(3)
        net = peer.seed_net(np.zeros((1, 28, 28), np.float32))
        fc = net[-1]
        bound = math.sqrt(6 / (32 * 49 + 10))
        self.assertLessEqual(fc.weight.abs().max().item(), bound)
        self.assertAlmostEqual(fc.weight.std().item(), bound / math.sqrt(3), delta=0.05 * bound)
        conv3 = [m for m in net if isinstance(m, torch.nn.Conv2d)][2]
        self.assertLessEqual(conv3.weight.abs().max().item(), math.sqrt(6 / (16 * 9 + 32 * 9)))
        self.assertEqual(conv3.bias.abs().max().item(), 0)

    def test_zerocenter_subtracts_mean_image(self):
        import torch

        mean = np.full((1, 28, 28), 0.25, np.float32)
        net = peer.seed_net(mean)
        x = torch.full((1, 1, 28, 28), 0.75)
        self.assertTrue(torch.allclose(net[0](x), torch.full_like(x, 0.5)))

    def test_l2_on_weights_only(self):
        net = peer.seed_net(np.zeros((1, 28, 28), np.float32))
        opt = peer.make_optimizer(net, 0.01, 0.9, 1e-4)
        decayed = {id(p) for p in opt.param_groups[0]["params"]}
        self.assertEqual(opt.param_groups[0]["weight_decay"], 1e-4)
        self.assertEqual(opt.param_groups[1]["weight_decay"], 0.0)
        for name, p in net.named_parameters():
            is_weight = name.endswith("weight") and p.dim() > 1  # conv/FC, not BN scale
            self.assertEqual(id(p) in decayed, is_weight, name)
        self.assertEqual(opt.defaults["momentum"], 0.9)


class PytorchCli(unittest.TestCase):
    def test_trains_single_threaded(self):
        rc, out, err = run([sys.executable, SCRIPT, "--epochs", "3", "--images", "1024",
                            "--warmup", "2"])
        self.assertEqual(rc, 0, err)
        self.assertEqual((out["peer"], out["threads"], out["iterations"]), ("pytorch", 1, 24))
        self.assertGreater(out["images_per_second"], 0)
        self.assertAlmostEqual(out["epoch_seconds"], 8 * 128 / out["images_per_second"], 3)
        self.assertGreater(out["train_accuracy"], 50)  # 10 classes: chance is 10%
        # One thread: the process used no more CPU time than wall time.
        self.assertLessEqual(out["cpu_seconds"], 1.1 * out["seconds"] + 0.05)

    def test_reads_ptbatch_and_png(self):
        with tempfile.TemporaryDirectory() as d:
            x, y = peer.synthetic(300, 5)
            peer.write_ptbatch(os.path.join(d, "b.ptb"), x, y)
            rc, out, err = run([sys.executable, SCRIPT, "--data", os.path.join(d, "b.ptb"),
                                "--iterations", "3", "--warmup", "0"])
            self.assertEqual(rc, 0, err)
            self.assertEqual(out["images"], 300)
            write_pngs(os.path.join(d, "png"), 50)
            rc, out, err = run([sys.executable, SCRIPT, "--data", os.path.join(d, "png"),
                                "--iterations", "2", "--batch", "32"])
            self.assertEqual(rc, 0, err)
            self.assertEqual(out["images"], 150)

    def test_bad_options(self):
        cases = [(["--batch", "0"], "--batch '0': expected a positive integer"),
                 (["--net", "8,9"], "expected 'seed' or 'WIDTH,DEPTH'"),
                 (["--data", "/nonexistent.ptb"], "'/nonexistent.ptb': cannot read"),
                 (["--images", "100"], "--batch 128: data has only 100 images"),
                 (["--warmup", "-1"], "--warmup '-1': expected 0 or more")]
        for args, words in cases:
            rc, out, err = run([sys.executable, SCRIPT, "--iterations", "1"] + args)
            self.assertNotEqual(rc, 0, args)
            self.assertIsNone(out)
            self.assertIn(words, err, args)

    def test_sweep_in_two_processes(self):
        rc, out, err = run([sys.executable, SCRIPT, "--sweep", "4", "--processes", "2",
                            "--epochs", "1", "--images", "512"])
        self.assertEqual(rc, 0, err)
        self.assertEqual([r["network"] for r in out["trainings"]],
                         ["digit_cnn<8,2>", "digit_cnn<16,2>", "digit_cnn<8,1>", "digit_cnn<32,2>"])
        self.assertEqual(len({r["pid"] for r in out["trainings"]}), 2)
        self.assertTrue(all(r["iterations"] == 4 for r in out["trainings"]))
        # The wall time covers the trainings, which ran concurrently in two processes.
        self.assertGreaterEqual(out["wall_seconds"], max(r["seconds"] for r in out["trainings"]))
        self.assertLess(out["wall_seconds"], sum(r["seconds"] for r in out["trainings"]) + 1)

    def test_sweep_reports_worker_data_error(self):
        rc, out, err = run([sys.executable, SCRIPT, "--sweep", "2", "--processes", "2",
                            "--data", "/nonexistent.ptb"])
        self.assertNotEqual(rc, 0)
        self.assertIn("'/nonexistent.ptb': cannot read", err)


@unittest.skipUnless(DLIB, "PARTRAIN_PEER_DLIB not set: dlib peer not built (libdlib-dev)")
class DlibCli(unittest.TestCase):
    def test_trains_single_threaded(self):
        rc, out, err = run([DLIB, "--epochs", "3", "--images", "1024", "--warmup", "2"])
        self.assertEqual(rc, 0, err)
        self.assertEqual((out["peer"], out["network"], out["iterations"]), ("dlib", "seed_cnn", 24))
        self.assertIn(out["blas_threads"], (1, -1))
        self.assertLess(out["final_loss"], 0.5 * math.log(10))  # chance level is ln 10
        # dnn_trainer computes on one thread while the caller only queues the next batch.
        self.assertLessEqual(out["cpu_seconds"], 1.25 * out["seconds"] + 0.05)

    def test_sweep_networks_and_formats(self):
        with tempfile.TemporaryDirectory() as d:
            x, y = peer.synthetic(200, 5)
            peer.write_ptbatch(os.path.join(d, "b.ptb"), x, y)
            for net in ("8,2", "16,2", "8,1", "32,2"):
                rc, out, err = run([DLIB, "--data", os.path.join(d, "b.ptb"), "--net", net,
                                    "--iterations", "2", "--warmup", "0"])
                self.assertEqual(rc, 0, err)
                self.assertEqual((out["network"], out["images"]), (f"digit_cnn<{net}>", 200))
            write_pngs(os.path.join(d, "png"), 50)
            rc, out, err = run([DLIB, "--data", os.path.join(d, "png"), "--iterations", "2",
                                "--batch", "32"])
            self.assertEqual(rc, 0, err)
            self.assertEqual(out["images"], 150)

    def test_bad_input(self):
        with tempfile.TemporaryDirectory() as d:
            x = np.zeros((2, 1, 28, 28), np.float32)
            bad = os.path.join(d, "label.ptb")
            peer.write_ptbatch(bad, x, [0, 10])
            short = os.path.join(d, "short.ptb")
            peer.write_ptbatch(short, x, [0, 1])
            with open(short, "r+b") as f:
                f.truncate(100)
            write_pngs(os.path.join(d, "big"), 1, size=(30, 30), labels=("0",))
            cases = [(["--data", bad], "label 10; expected 0..9"),
                     (["--data", short], "100 bytes; expected"),
                     (["--data", os.path.join(d, "none.ptb")], "none.ptb': cannot open"),
                     (["--data", os.path.join(d, "big")], "image is 30x30; expected 28x28"),
                     (["--net", "4,4"], "--net '4,4': expected seed"),
                     (["--batch", "x"], "--batch 'x': expected an integer >= 1"),
                     (["--images", "10"], "data has only 10 images"),
                     (["--bogus", "1"], "unknown option '--bogus'")]
            for args, words in cases:
                rc, out, err = run([DLIB, "--iterations", "1"] + args)
                self.assertNotEqual(rc, 0, args)
                self.assertIn("[partrain::bench::dlib_seed_cnn]", err)
                self.assertIn(words, err, args)


@unittest.skipUnless(FMA, "PARTRAIN_BENCH_FMA not set")
class FmaPeak(unittest.TestCase):
    def test_measures_and_rejects_bad_options(self):
        rc, out, err = run([FMA, "--seconds", "0.05", "--trials", "2"])
        self.assertEqual(rc, 0, err)
        self.assertGreater(out["fma_peak_gflops"], 1)
        for args, words in [(["--seconds", "0"], "expected a positive number"),
                            (["--trials"], "needs a value"), (["-x", "1"], "unknown option")]:
            rc, out, err = run([FMA] + args)
            self.assertNotEqual(rc, 0)
            self.assertIn("[partrain::bench::fma_peak]", err)
            self.assertIn(words, err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
