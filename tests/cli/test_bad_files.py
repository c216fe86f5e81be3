"""Bad-input matrix of issue 9, beyond test_bad_input.py: run files with wrong dataset shapes or
types or complete != 1, configs with values of the wrong TOML type, sizes that would exhaust
memory (refused with an estimate, not attempted), NaN/Inf inside an HDF5 memories dataset.
Every case: exit 2, exactly one stderr line starting `mnemo: error:` that names the file and the
key or dataset, no signal, and no output file that reads as complete."""
import os
import shutil
import sys
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import config, mnemo, tempdir  # noqa: E402


def read(path):
    with open(path) as f:
        return f.read()


def write(path, content):
    with open(path, "wb" if isinstance(content, bytes) else "w") as f:
        f.write(content)


class Matrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempdir()
        cfg, cls.good = config(cls.tmp.name, name="good", count=4, dim=10, queries=3, t_end=1.0)
        r = mnemo("run", cfg, "--quiet")
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assertBad(self, result, *fragments):
        self.assertGreaterEqual(result.returncode, 0, "killed by a signal")
        self.assertEqual(result.returncode, 2, f"stdout={result.stdout!r} stderr={result.stderr!r}")
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("mnemo: error: "), lines[0])
        for frag in fragments:
            self.assertIn(frag, lines[0])

    def assertNotComplete(self, path):
        if os.path.exists(path):
            try:
                with h5py.File(path, "r") as f:
                    self.assertNotEqual(f.attrs.get("complete", 0), 1, path)
            except OSError:
                pass

    # ---- run files read by `mnemo info` --------------------------------------------------------
    def edited(self, name, edit):
        path = os.path.join(self.tmp.name, name + ".h5")
        shutil.copy(self.good, path)
        with h5py.File(path, "r+") as f:
            edit(f)
        return path

    def replace(self, dataset, value):
        def edit(f):
            del f[dataset]
            f[dataset] = value
        return edit

    def test_run_files(self):
        cases = [
            # (name, edit, fragments of the error line)
            ("complete0", lambda f: f.attrs.__setitem__("complete", 0), ["incomplete"]),
            ("complete2", lambda f: f.attrs.__setitem__("complete", 2), ["incomplete"]),
            ("complete_float", lambda f: f.attrs.__setitem__("complete", 1.0), ["'complete'", "integer"]),
            ("complete_text", lambda f: f.attrs.__setitem__("complete", "yes"), ["'complete'", "integer"]),
            ("complete_array", lambda f: f.attrs.__setitem__("complete", [1, 1]), ["'complete'"]),
            ("no_seed", lambda f: f.attrs.__delitem__("seed"), ["'seed'", "missing"]),
            ("schema_99", lambda f: f.attrs.__setitem__("schema_version", "99.0"), ["schema_version"]),
            ("state_rank2", self.replace("trajectories/state", np.zeros((3, 3))), ["/trajectories/state"]),
            ("state_text", self.replace("trajectories/state", np.full((3, 3, 10), b"x")), ["/trajectories/state", "float"]),
            ("state_group", lambda f: (f.__delitem__("trajectories/state"), f.create_group("trajectories/state")),
             ["trajectories/state"]),
            ("energy_shape", self.replace("trajectories/energy", np.zeros((3, 2))), ["/trajectories/energy", "shape"]),
            ("time_length", self.replace("trajectories/time", np.zeros(7)), ["/trajectories/time", "shape"]),
            ("final_shape", self.replace("trajectories/final", np.zeros((3, 9))), ["/trajectories/final", "shape"]),
            ("final_int", self.replace("trajectories/final", np.zeros((3, 10), dtype=np.int64)),
             ["/trajectories/final", "float"]),
            ("t_stop_missing", lambda f: f.__delitem__("trajectories/t_stop"), ["/trajectories/t_stop", "missing"]),
            ("target_float", self.replace("recall/target", np.zeros(3)), ["/recall/target", "integer"]),
            ("overlap_shape", self.replace("recall/overlap", np.zeros(4)), ["/recall/overlap", "shape"]),
            ("memories_columns", self.replace("model/memories", np.zeros((4, 11))), ["/model/memories", "shape"]),
            ("memories_rank1", self.replace("model/memories", np.zeros(4)), ["/model/memories"]),
        ]
        for name, edit, fragments in cases:
            with self.subTest(name):
                path = self.edited(name, edit)
                self.assertBad(mnemo("info", path), path, *fragments)

    def test_damaged_bytes(self):
        with open(self.good, "rb") as f:
            data = f.read()
        for name, content in [("zero", b""), ("header_only", data[:512]), ("three_quarters", data[: 3 * len(data) // 4]),
                              ("garbage", bytes(range(256)) * 64), ("hdf5_magic_only", data[:8] + b"\0" * 4096)]:
            with self.subTest(name):
                path = os.path.join(self.tmp.name, name + ".h5")
                write(path, content)
                self.assertBad(mnemo("info", path), path)

    def test_files_that_crash_libhdf5_are_refused(self):
        # Found by fuzz_run_file: a few flipped bytes make libhdf5 1.10.8 segfault inside
        # H5DSis_scale. Before io/hdf5_guard, `mnemo info` died from SIGSEGV on it.
        corpus = os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus", "run_file")
        path = os.path.join(corpus, "regression_segv_in_H5DSis_scale.h5")
        self.assertBad(mnemo("info", path), path, "damaged HDF5 file")

    # ---- configs ---------------------------------------------------------------------------------
    def bad_config(self, edits, *fragments, **kw):
        with tempdir() as tmp:
            cfg, out = config(tmp, **kw)
            text = read(cfg)
            for old, new in edits:
                self.assertIn(old, text)
                text = text.replace(old, new, 1)
            write(cfg, text)
            for command in ("run", "validate"):
                self.assertBad(mnemo(command, cfg), cfg, *fragments)
            self.assertNotComplete(out)

    def test_wrong_types(self):
        cases = [
            ([("seed = 1", 'seed = "one"')], "'seed'", "whole number"),
            ([("seed = 1", "seed = 1.5")], "'seed'", "whole number"),
            ([('kind = "modern_hopfield"', "kind = 3")], "model.kind", "string"),
            ([("beta = 8.0", 'beta = "8"')], "model.beta", "number"),
            ([("beta = 8.0", "beta = [8.0]")], "model.beta", "number"),
            ([("count = 5", "count = 5.0")], "memories.count", "whole number"),
            ([("dim = 20", "dim = true")], "memories.dim", "whole number"),
            ([('source = "random_binary"', "source = 1")], "memories.source", "string"),
            ([("level = 0.2", 'level = "high"')], "queries.level", "number"),
            ([('method = "dopri5"', "method = 5")], "integrate.method", "string"),
            ([("rtol = 1e-06", "rtol = true")], "integrate.rtol", "number"),
            ([("t_end = 5.0", "t_end = 1979-05-27")], "integrate.t_end", "number"),
            ([("dt_save = 0.5", "dt_save = {a = 1}")], "integrate.dt_save", "number"),
            ([("[output]\npath", "[output]\nother = 1\npath")], "output.other", "unknown"),
            ([("seed = 1", "seed = 1\nqueries = 3"), ("[queries]", "[queries_old]")], "'queries'", "table"),
        ]
        for edits, *fragments in cases:
            with self.subTest(edits[0][1]):
                self.bad_config(edits, *fragments)

    def test_huge_sizes_are_refused_with_an_estimate(self):
        cases = [
            ([("count = 5", "count = 1000000000")], "memories.count", "need about 8 TB of memory", "this machine has"),
            ([("count = 4", "count = 100000000000")], "queries.count", "need about 14.4 PB of memory", "this machine has"),
        ]
        for edits, *fragments in cases:
            with self.subTest(edits[0][1]):
                self.bad_config(edits, *fragments, dim=1000)
        # classical Hopfield stores N x N weights: 8e14 bytes for N = 1e7 (one memory of 80 MB)
        self.bad_config([], "memories.dim", "out of memory", kind="classical_hopfield", model="gain = 2.0",
                        count=1, dim=10_000_000, queries=1)

    # ---- HDF5 memories source ------------------------------------------------------------------
    def memories_from(self, make, count, *fragments):
        with tempdir() as tmp:
            src = os.path.join(tmp, "memories.h5")
            with h5py.File(src, "w") as f:
                make(f)
            cfg, out = config(tmp, count=count)
            text = read(cfg).replace('source = "random_binary"', f'source = "hdf5"\npath = "{src}"')
            text = text.replace("dim = 20\n", "")
            write(cfg, text)
            for command in ("run", "validate"):
                self.assertBad(mnemo(command, cfg), *fragments)
            self.assertNotComplete(out)

    def test_hdf5_memories(self):
        rng = np.random.default_rng(11)

        def with_value(i, j, v):
            def make(f):
                x = rng.standard_normal((6, 20))
                x[i, j] = v
                f["model/memories"] = x
            return make

        self.memories_from(with_value(2, 7, np.nan), 5, "/model/memories", "row 2, column 7 is NaN")
        self.memories_from(with_value(0, 0, np.inf), 5, "/model/memories", "row 0, column 0 is infinite")
        self.memories_from(with_value(4, 19, -np.inf), 5, "/model/memories", "row 4, column 19 is infinite")
        # NaN beyond the rows used (count = 5 of 6) is not read and not an error: checked by a run.
        self.memories_from(lambda f: f.create_dataset("model/memories", data=np.array([[b"ab"] * 20] * 6)), 5,
                           "memories.dataset", "numbers")
        self.memories_from(lambda f: f.create_dataset("model/memories", data=np.zeros(20)), 5, "memories.dataset", "2-D")
        self.memories_from(lambda f: f.create_dataset("model/memories", data=np.zeros((6, 0))), 5, "0 columns")
        self.memories_from(lambda f: f.create_dataset("model/memories", data=np.zeros((3, 20))), 5,
                           "memories.count", "3 rows")
        self.memories_from(lambda f: f.create_group("model/memories"), 5, "/model/memories")
        self.memories_from(lambda f: None, 5, "/model/memories", "missing")
        # A dataset declared huge (written nowhere, a few KB on disk): asking for all its rows is
        # refused with the memory it would take; only the rows asked for are ever read.
        self.memories_from(lambda f: f.create_dataset("model/memories", shape=(10**6, 10**6), dtype="f8", chunks=(1, 1000)),
                           10**6, "memories.count", "8 TB of memory")

    def test_nan_beyond_the_rows_used_is_not_read(self):
        with tempdir() as tmp:
            src = os.path.join(tmp, "memories.h5")
            x = np.random.default_rng(2).standard_normal((6, 20))
            x[5, 3] = np.nan
            with h5py.File(src, "w") as f:
                f["model/memories"] = x
            cfg, out = config(tmp, count=5, t_end=1.0)
            text = read(cfg).replace('source = "random_binary"', f'source = "hdf5"\npath = "{src}"')
            write(cfg, text)
            r = mnemo("run", cfg, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                np.testing.assert_array_equal(f["model/memories"][:], x[:5])


if __name__ == "__main__":
    unittest.main()
