#!/usr/bin/env python3
"""Interop check: .safetensors written by partrain are read by an independent reader
(struct + json + numpy, following the published format), and files written here in another
style (unpadded header, other order) are read by partrain. Fails if numpy is missing."""
import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np

tool, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, f"header length {n} is not a multiple of 8"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    buf = data[8 + n:]
    meta = header.pop("__metadata__", {})
    spans = sorted((v["data_offsets"], k) for k, v in header.items())
    end = 0
    for (b, e), k in spans:
        assert b == end, f"tensor {k} starts at {b}, expected {end}"
        end = e
    assert end == len(buf), f"data buffer has {len(buf)} bytes, tensors cover {end}"
    tensors = {}
    for k, v in header.items():
        b, e = v["data_offsets"]
        arr = np.frombuffer(buf[b:e], dtype=np.dtype(DTYPES[v["dtype"]]).newbyteorder("<"))
        tensors[k] = arr.reshape(v["shape"])
    return tensors, meta


# 1. partrain writes, numpy reads.
path = os.path.join(work, "partrain.safetensors")
subprocess.run([tool, "write-safetensors", path], check=True)
tensors, meta = read(path)
assert meta == {"architecture": "conv3x3x8-bn-relu-fc10", "partrain_version": "0.1.0"}, meta
assert sorted(tensors) == ["bn1.running_var", "conv1.weight", "fc.bias"], sorted(tensors)
w = tensors["conv1.weight"]
assert w.dtype == np.float32 and w.shape == (8, 1, 3, 3), (w.dtype, w.shape)
assert np.array_equal(w.ravel(), np.arange(72, dtype=np.float32) * np.float32(0.5) - np.float32(3))
b = tensors["fc.bias"]
assert b.shape == (10,) and np.array_equal(b, ((np.arange(10) % 7 - 3) * 0.125).astype(np.float32)), b
v = tensors["bn1.running_var"]
assert v.dtype == np.float64 and np.array_equal(v, 1.0 / (np.arange(8) + 1.0)), v

# The real loaders too, where this machine has them (not packaged by Debian).
for module in ("safetensors.numpy", "safetensors.torch"):
    try:
        loader = __import__(module, fromlist=["load_file"])
    except ImportError:
        print(f"note: {module} is not installed; checked with the numpy reader only")
        continue
    loaded = loader.load_file(path)
    assert sorted(loaded) == sorted(tensors)
    assert np.array_equal(np.asarray(loaded["conv1.weight"]), w)

# 2. numpy writes (another writer's style: no padding, names unsorted, I64), partrain reads.
other = {"z.last": np.array([[1.5, -2.25]], dtype=np.float32),
         "a.first": np.array([0.1, 1e-300, -0.0], dtype=np.float64),
         "count": np.array([7], dtype=np.int64)}
header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
for name in ["z.last", "count", "a.first"]:
    raw = other[name].tobytes()
    dtype = {np.float32: "F32", np.float64: "F64", np.int64: "I64"}[other[name].dtype.type]
    header[name] = {"dtype": dtype, "shape": list(other[name].shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
text = json.dumps(header).encode()
path2 = os.path.join(work, "numpy.safetensors")
with open(path2, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
out = subprocess.run([tool, "read-safetensors", path2], check=True, capture_output=True, text=True).stdout
lines = out.strip().split("\n")
assert lines == ["meta format pt", "z.last F32 (1,2) 1.5 -2.25", "count I64 (1)",
                 "a.first F64 (3) 0.1 1e-300 -0"], lines
print("safetensors interop: OK")
