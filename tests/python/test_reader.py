"""python/mnemo_h5 reads what `mnemo run` writes (docs/hdf5-schema.md) as named arrays whose
values agree with the models' closed forms, and refuses damaged, truncated, foreign and
incomplete files with an exception naming the file and the problem."""
import os
import shutil
import subprocess
import sys
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from clitools import SOURCE, config, mnemo, tempdir  # noqa: E402

import mnemo_h5  # noqa: E402  (PYTHONPATH=<repo>/python, set by ctest)

try:
    import xarray  # noqa: F401
    HAVE_XARRAY = True
except ImportError:
    HAVE_XARRAY = False


def run(tmp, name, **kw):
    cfg, out = config(tmp, name=name, **kw)
    r = mnemo("run", cfg, "--quiet")
    if r.returncode != 0:
        raise AssertionError(f"mnemo run failed: {r.stderr}")
    return out


def modern_energy(v, X, beta):
    """Ramsauer et al. 2020 eq. 2 (contract section 3): E = 1/2 v.v - 1/beta log sum_mu exp(beta xi_mu.v)."""
    s = beta * np.einsum("...n,kn->...k", v, X)
    m = s.max(axis=-1, keepdims=True)
    lse = (m + np.log(np.exp(s - m).sum(axis=-1, keepdims=True)))[..., 0]
    return 0.5 * np.sum(v * v, axis=-1) - lse / beta


def classical_energy(u, X, gain):
    """Hopfield 1984 (contract section 3): E = -1/2 g.W.g + sum_i int_0^g_i g^-1, g = tanh(gain u);
    the integral is g u - log cosh(gain u) / gain (written with logaddexp to stay finite)."""
    N = X.shape[1]
    W = X.T @ X / N
    np.fill_diagonal(W, 0.0)
    g = np.tanh(gain * u)
    logcosh = np.logaddexp(gain * u, -gain * u) - np.log(2.0)
    return -0.5 * np.einsum("...i,ij,...j->...", g, W, g) + np.sum(g * u - logcosh / gain, axis=-1)


class Reader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempdir()
        t = cls.tmp.name
        # Sizes named here: K memories x N neurons, B queries, save grid 0..t_end step dt_save.
        # beta = 0.2 keeps the softmax soft, so the energy check below depends on beta (at beta = 8
        # the log-sum-exp is its max term and a wrong beta would go unnoticed).
        cls.modern = run(t, "modern", count=6, dim=30, queries=7, t_end=4.0, dt_save=0.5, model="beta = 0.2")
        cls.two_layer = run(t, "two_layer", count=5, dim=24, queries=4, t_end=3.0, dt_save=0.5,
                            model='beta = 8.0\nform = "two_layer"')
        cls.classical = run(t, "classical", kind="classical_hopfield", model="gain = 10.0", count=3, dim=40,
                            queries=5, t_end=3.0, dt_save=0.25)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_named_arrays_of_a_run(self):
        with mnemo_h5.open(self.modern) as r:
            self.assertEqual(r.kind, "run")
            self.assertTrue(r.complete)
            self.assertTrue(r.schema_version.startswith("1."))
            self.assertEqual(r.seed, 1)
            self.assertIn('kind = "modern_hopfield"', r.config)
            self.assertEqual(r.model_kind, "modern_hopfield")
            self.assertEqual(r.params["beta"], 0.2)
            B, T, N, K = 7, 9, 30, 6
            self.assertEqual(r.dims, {"trajectory": B, "time": T, "neuron": N, "memory": K})
            self.assertEqual(r.state.dims, ("trajectory", "time", "neuron"))
            self.assertEqual(r.state.shape, (B, T, N))
            self.assertEqual(r.energy.dims, ("trajectory", "time"))
            self.assertEqual(r.memories.dims, ("memory", "neuron"))
            self.assertEqual(r.recall.overlap.dims, ("trajectory",))
            self.assertEqual(r.recall.cue.dims, ("trajectory", "neuron"))
            np.testing.assert_allclose(r.time.values, np.arange(T) * 0.5)
            # Coordinates come from the file's dimension scales.
            np.testing.assert_array_equal(r.state.coords["time"].values, r.time.values)
            np.testing.assert_array_equal(r.state.coords["trajectory"].values, np.arange(B))
            self.assertEqual(r.time.units, "model time (units of tau)")
            for v in r.walk():
                self.assertTrue(v.description, v.name)
            # Values are the file's, on the named axes: the energy is the model's closed form of the
            # stored states (up to an additive constant).
            X, S, E = r.memories.values, r.state.values, r.energy.values
            diff = E - modern_energy(S, X, r.params["beta"])
            self.assertLess(np.ptp(diff), 1e-9 * (1 + np.abs(E).max()))
            # Recall tables: overlap = cosine of the final state with its target memory.
            fin, tgt = r.final.values, r.recall.target.values
            cos = np.sum(fin * X[tgt], axis=1) / np.linalg.norm(fin, axis=1) / np.linalg.norm(X[tgt], axis=1)
            np.testing.assert_allclose(r.recall.overlap.values, cos, atol=1e-12)
            self.assertAlmostEqual(r.recall.attrs["recall_rate"],
                                   np.mean(r.recall.nearest.values == tgt), places=12)
            self.assertIsNone(r.analysis)
            self.assertIsNone(r.sweep)
            self.assertEqual(r.layers, {})

    def test_partial_reads_agree_with_whole_reads(self):
        with h5py.File(self.modern, "r") as f:
            state, energy = f["trajectories/state"][:], f["trajectories/energy"][:]
        with mnemo_h5.open(self.modern) as r:
            one = r.read_trajectory(3)
            np.testing.assert_array_equal(one["state"], state[3])
            np.testing.assert_array_equal(one["energy"], energy[3])
            at = r.read_time(4)
            self.assertEqual(at["t"], 2.0)
            np.testing.assert_array_equal(at["state"], state[:, 4, :])
            sel = r.state.isel(trajectory=2, time=slice(1, 4))
            self.assertEqual(sel.dims, ("time", "neuron"))
            np.testing.assert_array_equal(sel.values, state[2, 1:4])
            np.testing.assert_array_equal(sel.coords["time"].values, [0.5, 1.0, 1.5])
            with self.assertRaises(KeyError):
                r.state.isel(memory=0)
            self.assertFalse(r.state.loaded)  # nothing above read the whole dataset
        r = mnemo_h5.load(self.modern)  # read everything, file closed
        np.testing.assert_array_equal(r.state.values, state)
        np.testing.assert_array_equal(np.asarray(r.energy), energy)

    def test_closed_file_says_so(self):
        r = mnemo_h5.open(self.modern)
        r.close()
        with self.assertRaisesRegex(ValueError, "closed"):
            r.state.values

    def test_layers_of_a_two_layer_model_are_named_by_layer(self):
        with mnemo_h5.open(self.two_layer) as r:
            self.assertEqual(list(r.layers), ["memory"])
            hidden = r.layers["memory"]
            self.assertEqual(hidden.dims, ("trajectory", "time", "memory"))
            self.assertEqual(hidden.shape, (4, 7, 5))
            np.testing.assert_array_equal(hidden.coords["memory"].values, np.arange(5))

    def test_classical_feature_layer_state_and_energy(self):
        with mnemo_h5.open(self.classical) as r:
            gain = r.params["gain"]
            u = r.layers["feature"]
            self.assertEqual(u.dims, ("trajectory", "time", "neuron"))
            # The stored compared state is g(u) = tanh(gain u) of the stored internal state.
            np.testing.assert_allclose(r.state.values, np.tanh(gain * u.values), atol=1e-12)
            E = r.energy.values
            diff = E - classical_energy(u.values, r.memories.values, gain)
            self.assertLess(np.ptp(diff), 1e-9 * (1 + np.abs(E).max()))

    def test_file_without_index_scales_reads_by_axis_labels(self):
        # The first 1.0 writer labelled axes but attached only the time scale: strip the others.
        p = os.path.join(self.tmp.name, "labels_only.h5")
        shutil.copy(self.modern, p)
        with h5py.File(p, "r+") as f:
            scales = {n: f[n] for n in ("trajectory", "neuron", "memory")}

            def detach(name, obj):
                if isinstance(obj, h5py.Dataset) and name not in scales:
                    for dim in obj.dims:
                        for s in scales.values():
                            try:
                                dim.detach_scale(s)
                            except (RuntimeError, ValueError, KeyError):
                                pass
            f.visititems(detach)
            for n in scales:
                del f[n]
        with mnemo_h5.open(p) as r:
            self.assertEqual(r.dims, {"time": 9})
            self.assertEqual(r.state.dims, ("trajectory", "time", "neuron"))
            self.assertEqual(list(r.state.coords), ["time"])
            self.assertEqual(r.memories.dims, ("memory", "neuron"))

    @unittest.skipUnless(HAVE_XARRAY, "xarray is not installed (python3-xarray)")
    def test_xarray_dataset_uses_dimension_scales(self):
        with mnemo_h5.open(self.modern) as r:
            ds = r.to_xarray()
            self.assertEqual(ds["state"].dims, ("trajectory", "time", "neuron"))
            np.testing.assert_allclose(ds["time"].values, r.time.values)
            np.testing.assert_array_equal(ds["overlap"].values, r.recall.overlap.values)
            self.assertEqual(ds.attrs["model_kind"], "modern_hopfield")
            self.assertEqual(r.recall.to_xarray()["target"].dims, ("trajectory",))

    @unittest.skipIf(HAVE_XARRAY, "xarray is installed: the import-error path cannot be seen")
    def test_without_xarray_to_xarray_says_what_is_missing(self):
        with mnemo_h5.open(self.modern) as r:
            with self.assertRaisesRegex(ImportError, "python3-xarray"):
                r.to_xarray()
            self.assertEqual(r.state.values.shape, (7, 9, 30))  # the rest works without it


class SweepFiles(unittest.TestCase):
    def test_sweep_tables_on_the_point_axis(self):
        with tempdir() as tmp:
            cfg, out = config(tmp, name="sweep", count=4, dim=24, queries=5, t_end=3.0, dt_save=1.0)
            with open(cfg, "a") as f:
                f.write('\n[sweep]\nkey = "model.beta"\nvalues = [0.01, 0.5, 8.0]\n')
            r = mnemo("sweep", cfg, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            s = mnemo_h5.load(out)
            self.assertEqual(s.kind, "sweep")
            self.assertIsNone(s.trajectories)
            self.assertIsNone(s.state)
            self.assertEqual(s.sweep.attrs["key"], "model.beta")
            np.testing.assert_array_equal(s.sweep.values.values, [0.01, 0.5, 8.0])
            rate = s.sweep.recall_rate
            self.assertEqual(rate.dims, ("point",))
            np.testing.assert_array_equal(rate.coords["point"].values, [0.01, 0.5, 8.0])
            self.assertEqual(s.sweep.overlap.dims, ("point", "query"))
            # recall_rate is the fraction of queries ending nearest their target, row by row.
            np.testing.assert_allclose(rate.values, np.mean(s.sweep.nearest.values == s.sweep.target.values, axis=1))
            info = mnemo("info", out)
            self.assertEqual(info.returncode, 0, info.stderr)
            self.assertIn("sweep = model.beta over 3 values", info.stdout)
            self.assertRegex(info.stdout, r"dimensions: .*point 3")


class BadFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempdir()
        cls.good = run(cls.tmp.name, "good", count=5, dim=20, queries=4, t_end=3.0, dt_save=0.5)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def copy(self, name):
        p = os.path.join(self.tmp.name, name)
        shutil.copy(self.good, p)
        return p

    def assertRefused(self, path, error, pattern):
        with self.assertRaises(error) as cm:
            mnemo_h5.load(path)
        msg = str(cm.exception)
        self.assertTrue(msg.startswith(path + ": "), msg)
        self.assertRegex(msg, pattern)
        self.assertEqual(cm.exception.path, path)
        self.assertIsInstance(cm.exception, mnemo_h5.MnemoFileError)

    def test_missing_file(self):
        p = os.path.join(self.tmp.name, "nope.h5")
        self.assertRefused(p, mnemo_h5.MissingFileError, "no such file")
        with self.assertRaises(FileNotFoundError):
            mnemo_h5.open(p)

    def test_text_and_empty_files(self):
        p = os.path.join(self.tmp.name, "text.h5")
        with open(p, "w") as f:
            f.write("seed = 1\n")
        self.assertRefused(p, mnemo_h5.DamagedFileError, "not an HDF5 file")
        e = os.path.join(self.tmp.name, "empty.h5")
        open(e, "w").close()
        self.assertRefused(e, mnemo_h5.DamagedFileError, "not an HDF5 file")

    def test_truncated_file(self):
        p = self.copy("truncated.h5")
        size = os.path.getsize(p)
        with open(p, "r+b") as f:
            f.truncate(size // 2)
        self.assertRefused(p, mnemo_h5.DamagedFileError, "damaged or truncated")

    def test_incomplete_file(self):
        p = self.copy("incomplete.h5")
        with h5py.File(p, "r+") as f:
            f.attrs["complete"] = np.int64(0)
        self.assertRefused(p, mnemo_h5.IncompleteFileError, "'complete' is 0")
        r = mnemo_h5.load(p, allow_incomplete=True)  # asked for explicitly, it can still be read
        self.assertFalse(r.complete)
        self.assertEqual(r.state.shape, (4, 7, 20))

    def test_future_schema(self):
        p = self.copy("future.h5")
        with h5py.File(p, "r+") as f:
            f.attrs["schema_version"] = "2.0"
        self.assertRefused(p, mnemo_h5.SchemaVersionError, "schema_version 2.0")

    def test_foreign_hdf5_file(self):
        p = os.path.join(self.tmp.name, "foreign.h5")
        with h5py.File(p, "w") as f:
            f["x"] = np.arange(3)
        self.assertRefused(p, mnemo_h5.NotMnemoFileError, "root attribute 'schema_version' is missing")

    def test_missing_and_misshapen_datasets(self):
        p = self.copy("missing.h5")
        with h5py.File(p, "r+") as f:
            del f["recall/overlap"]
        self.assertRefused(p, mnemo_h5.DamagedFileError, "missing dataset '/recall/overlap'")
        q = self.copy("misshapen.h5")
        with h5py.File(q, "r+") as f:
            del f["trajectories/energy"]
            f["trajectories/energy"] = np.zeros((4, 3))
        self.assertRefused(q, mnemo_h5.DamagedFileError, r"'/trajectories/energy' has shape \(4, 3\), expected \(4, 7\)")

    def test_damaged_files_of_the_fuzz_corpus_raise_and_never_crash(self):
        # tests/fuzz/corpus/run_file (made by tests/fuzz/make_corpus.py) holds damaged files, one of
        # which crashes libhdf5 itself; each is read in its own interpreter so a crash is seen as one.
        corpus = os.path.join(SOURCE, "tests", "fuzz", "corpus", "run_file")
        # Files on which libhdf5 itself loops (docs/reliability.md, finding 3) live outside the
        # corpus, in tests/fuzz/regressions/ (the reader has no time limit; mnemo's guard has).
        files = sorted(f for f in os.listdir(corpus) if f.endswith(".h5") and "_hang_" not in f) \
            if os.path.isdir(corpus) else []
        if not files:
            self.skipTest(f"no fuzz corpus at {corpus}")
        probe = ("import sys, mnemo_h5\n"
                 "try:\n    mnemo_h5.load(sys.argv[1]); print('read')\n"
                 "except mnemo_h5.MnemoFileError as e:\n    print(type(e).__name__, e)\n")
        outcomes = {}
        for name in files:
            path = os.path.join(corpus, name)
            r = subprocess.run([sys.executable, "-c", probe, path], capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, PYTHONPATH=os.path.join(SOURCE, "python")))
            with self.subTest(file=name):
                self.assertEqual(r.returncode, 0, f"{name}: exit {r.returncode}\n{r.stderr[-2000:]}")
                self.assertTrue(r.stdout.startswith("read") or (path + ": ") in r.stdout, r.stdout)
            outcomes[name] = r.stdout.split()[0] if r.stdout else ""
        if "regression_segv_in_H5DSis_scale.h5" in outcomes:
            self.assertEqual(outcomes["regression_segv_in_H5DSis_scale.h5"], "DamagedFileError")
        self.assertIn("read", outcomes.values())  # the corpus's intact files still read

    def test_corrupted_compressed_data(self):
        p = self.copy("corrupt.h5")
        with h5py.File(p, "r") as f:
            chunk = f["trajectories/state"].id.get_chunk_info(0)  # shuffle + deflate chunk
        with open(p, "r+b") as f:
            f.seek(chunk.byte_offset + chunk.size // 2)
            f.write(b"\0" * min(64, chunk.size // 4))
        with mnemo_h5.open(p) as r:  # structure intact: opens
            with self.assertRaises(mnemo_h5.DamagedFileError) as cm:
                r.state.values
            self.assertRegex(str(cm.exception), "^" + p + ": cannot read dataset '/trajectories/state'")
        self.assertRefused(p, mnemo_h5.DamagedFileError, "/trajectories/state")  # load() reads everything


if __name__ == "__main__":
    unittest.main()
