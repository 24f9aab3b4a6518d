#!/usr/bin/env python3
"""Writes the committed seed corpora (fuzz/corpus/<target>/seed-*): a few tiny valid inputs per
target, so that libFuzzer starts from the formats' happy paths. Deterministic; rerun it after a
format change (tests/properties.rs checks that every model seed still imports and every IDX seed
still parses). Usage: python3 fuzz/seeds.py"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for x in b:
        h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def params(sizes, k):
    """Deterministic small parameters, W_k row-major then beta_k per layer (src/network.rs)."""
    count = sum(sizes[i + 1] * (sizes[i] + 1) for i in range(len(sizes) - 1))
    return [((i * 7 + k) % 11 - 5) / 4.0 for i in range(count)]


def model(sizes, alpha, k):
    """A model file, version 1 (src/model_file.rs)."""
    out = b"SIFRIAN\0" + struct.pack("<II", 1, len(sizes))
    out += b"".join(struct.pack("<I", s) for s in sizes)
    out += struct.pack("<d", alpha)
    out += b"".join(struct.pack("<d", p) for p in params(sizes, k))
    return out + struct.pack("<Q", fnv1a64(out))


def idx(dims, data):
    """An IDX file of unsigned bytes (src/idx.rs)."""
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def split(images, labels):
    """The idx_parse target's input: u16 LE length of the images file, images, labels."""
    return struct.pack("<H", len(images)) + images + labels


def case(sizes, alpha, k, v=False, mu=None, white=None):
    """An inspect case (src/inspect.rs)."""
    flat = params(sizes, k)
    layers, at = [], 0
    for i in range(1, len(sizes)):
        rows, cols = sizes[i], sizes[i - 1]
        w = [flat[at + r * cols: at + (r + 1) * cols] for r in range(rows)]
        at += rows * cols
        layers.append({"W": w, "beta": flat[at: at + rows]})
        at += rows
    c = {
        "sizes": sizes,
        "alpha": alpha,
        "lambda": [0.5] * (len(sizes) - 1) + [1.0],
        "params": layers,
        "x0": [((j * 3) % 5) / 4.0 for j in range(sizes[0])],
        "d": [1.0 if j == 0 else 0.0 for j in range(sizes[-1])],
    }
    if v:
        c["v"] = layers
    if mu is not None:
        c["mu"] = mu
    if white is not None:
        c["white"] = white
    return json.dumps(c, separators=(",", ":"))


write("model_import", "1-1", model([1, 1], 0.01, 0))
write("model_import", "2-3-2", model([2, 3, 2], 0.1, 1))
write("model_import", "3-2-2-1", model([3, 2, 2, 1], 1.0, 2))

write("idx_parse", "2x2x3", split(idx([2, 2, 3], range(12)), idx([2], [3, 9])))
write("idx_parse", "0x1x1", split(idx([0, 1, 1], []), idx([0], [])))
write("idx_parse", "3x4x4", split(idx([3, 4, 4], [i * 17 % 256 for i in range(48)]), idx([3], [0, 5, 7])))
write("idx_parse", "4d", split(idx([1, 2, 2, 2], range(8)), idx([1], [1])))

write("inspect_case", "2-2", case([2, 2], 0.1, 0))
write("inspect_case", "2-3-2-v-mu", case([2, 3, 2], 0.1, 1, v=True, mu=1.0))
write("inspect_case", "3-2-2-1-white", case([3, 2, 2, 1], 0.5, 2, mu=0.0, white=True))
