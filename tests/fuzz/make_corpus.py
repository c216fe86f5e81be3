#!/usr/bin/python3
"""Regenerates the HDF5 seed corpus of tests/fuzz (run_file and memories_hdf5) from two tiny runs
of `mnemo` plus damaged variants made with h5py. Usage: make_corpus.py MNEMO_BIN
The committed corpus is this script's output (plus regression inputs found by fuzzing)."""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
mnemo = sys.argv[1]
run_dir = os.path.join(here, "corpus", "run_file")
mem_dir = os.path.join(here, "corpus", "memories_hdf5")
os.makedirs(run_dir, exist_ok=True)
os.makedirs(mem_dir, exist_ok=True)

CONFIG = """seed = 3
[model]
kind = "{kind}"
{param}
[memories]
source = "random_binary"
count = 3
dim = 6
[queries]
count = 2
level = 0.2
[integrate]
t_end = 1.0
dt_save = 0.5
[output]
path = "{out}"
"""

with tempfile.TemporaryDirectory() as tmp:
    runs = {}
    for kind, param in [("modern_hopfield", "beta = 4.0"), ("classical_hopfield", "gain = 2.0")]:
        out = os.path.join(tmp, kind + ".h5")
        cfg = os.path.join(tmp, kind + ".toml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(kind=kind, param=param, out=out))
        subprocess.run([mnemo, "run", cfg, "--quiet"], check=True)
        runs[kind] = out
        shutil.copy(out, os.path.join(run_dir, kind + ".h5"))
    good = runs["modern_hopfield"]
    data = open(good, "rb").read()
    # Damaged bytes: truncated, zeroed superblock tail, flipped bytes in the middle.
    open(os.path.join(run_dir, "truncated_half.h5"), "wb").write(data[: len(data) // 2])
    open(os.path.join(run_dir, "truncated_superblock.h5"), "wb").write(data[:40])
    flipped = bytearray(data)
    for i in range(800, len(flipped), 997):
        flipped[i] ^= 0x5A
    open(os.path.join(run_dir, "flipped_bytes.h5"), "wb").write(bytes(flipped))

    def variant(name, edit, src=good, into=run_dir):
        path = os.path.join(into, name + ".h5")
        shutil.copy(src, path)
        with h5py.File(path, "r+") as f:
            edit(f)

    variant("incomplete", lambda f: f.attrs.__setitem__("complete", 0))
    variant("complete_as_string", lambda f: f.attrs.__setitem__("complete", "1"))
    variant("schema_2", lambda f: f.attrs.__setitem__("schema_version", "2.0"))

    def wrong_shape(f):
        del f["trajectories/energy"]
        f["trajectories/energy"] = np.zeros((5, 1))
    variant("wrong_energy_shape", wrong_shape)

    def state_2d(f):
        del f["trajectories/state"]
        f["trajectories/state"] = np.zeros((2, 3))
    variant("state_rank2", state_2d)

    def missing_final(f):
        del f["trajectories/final"]
    variant("missing_final", missing_final)

    # Memories sources: a bare file, wrong rank/type, NaN, a huge declared (never written) size.
    def bare(name, value, **kw):
        with h5py.File(os.path.join(mem_dir, name + ".h5"), "w", libver=kw.pop("libver", "earliest")) as f:
            if value is not None:
                f.create_dataset("model/memories", data=value, **kw)
    rng = np.random.default_rng(3)
    bare("plain", rng.choice([-1.0, 1.0], size=(3, 6)))
    bare("latest_format", rng.choice([-1.0, 1.0], size=(3, 6)), libver="latest")
    bare("chunked_gzip", rng.standard_normal((4, 5)), chunks=(2, 5), compression="gzip")
    bare("float32", rng.standard_normal((3, 4)).astype(np.float32))
    bare("int16", np.arange(12, dtype=np.int16).reshape(3, 4))
    bare("one_row", np.ones((1, 6)))
    bare("rank1", np.ones(6))
    bare("rank3", np.ones((2, 2, 2)))
    bare("strings", np.array([b"ab", b"cd", b"ef"]))
    nan = rng.standard_normal((3, 4))
    nan[1, 2] = np.nan
    bare("nan", nan)
    inf = rng.standard_normal((3, 4))
    inf[0, 0] = -np.inf
    bare("inf", inf)
    with h5py.File(os.path.join(mem_dir, "huge_declared.h5"), "w") as f:
        f.create_dataset("model/memories", shape=(10**6, 10**6), dtype="f8", chunks=(1, 1000))
    bare("empty_file", None)
    shutil.copy(runs["classical_hopfield"], os.path.join(mem_dir, "run_file.h5"))
