"""`mnemo run` writes the contract's HDF5 file (contract section 4), readable by h5py alone,
and its trajectories agree with SciPy's solve_ivp on the same equations."""
import os
import sys
import unittest

import h5py
import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.dirname(__file__))
from clitools import config, mnemo, tempdir  # noqa: E402


class RunFile(unittest.TestCase):
    def test_every_contract_dataset_and_attribute(self):
        with tempdir() as tmp:
            cfg, out = config(tmp, count=6, dim=30, queries=7, t_end=4.0, dt_save=0.5)
            r = mnemo("run", cfg, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out, "r") as f:
                for a in ["schema_version", "mnemo_version", "created", "config", "seed", "complete"]:
                    self.assertIn(a, f.attrs)
                self.assertEqual(f.attrs["complete"], 1)
                self.assertEqual(f.attrs["seed"], 1)
                self.assertTrue(f.attrs["schema_version"].startswith("1."))
                self.assertIn('kind = "modern_hopfield"', f.attrs["config"])
                self.assertRegex(f.attrs["created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
                self.assertEqual(f["model"].attrs["kind"], "modern_hopfield")
                self.assertEqual(f["model"].attrs["beta"], 8.0)
                B, T, N, K = 7, 9, 30, 6
                shapes = {
                    "model/memories": (K, N), "trajectories/time": (T,), "trajectories/state": (B, T, N),
                    "trajectories/energy": (B, T), "trajectories/initial": (B, N), "trajectories/final": (B, N),
                    "trajectories/t_stop": (B,), "recall/target": (B,), "recall/nearest": (B,), "recall/overlap": (B,),
                }
                for path, shape in shapes.items():
                    self.assertEqual(f[path].shape, shape, path)
                    self.assertTrue("units" in f[path].attrs or "description" in f[path].attrs, path)
                self.assertEqual(f["recall/target"].dtype, np.int64)
                self.assertEqual(f["trajectories/state"].dtype, np.float64)
                t = f["trajectories/time"][:]
                np.testing.assert_allclose(t, np.arange(T) * 0.5)
                # Solver, tolerances and seed are recorded (numerical honesty).
                tr = f["trajectories"].attrs
                self.assertEqual(tr["solver"], "dopri5")
                self.assertEqual(tr["rtol"], 1e-6)
                self.assertEqual(tr["atol"], 1e-8)
                # state at t=0 is the initial state, last saved state is the final one
                np.testing.assert_array_equal(f["trajectories/state"][:, 0, :], f["trajectories/initial"][:])
                np.testing.assert_array_equal(f["trajectories/state"][:, -1, :], f["trajectories/final"][:])
                # overlap is the cosine with the target memory
                X = f["model/memories"][:]
                fin = f["trajectories/final"][:]
                tgt = f["recall/target"][:]
                cos = np.sum(fin * X[tgt], axis=1) / np.linalg.norm(fin, axis=1) / np.linalg.norm(X[tgt], axis=1)
                np.testing.assert_allclose(f["recall/overlap"][:], cos, atol=1e-12)
                # energy never increases along a trajectory
                e = f["trajectories/energy"][:]
                self.assertLessEqual(np.diff(e, axis=1).max(), 1e-6 * (1 + np.abs(e).max()))
            info = mnemo("info", out)
            self.assertEqual(info.returncode, 0, info.stderr)
            self.assertIn("modern_hopfield", info.stdout)

    def test_same_seed_same_bits(self):
        with tempdir() as tmp:
            cfg, out = config(tmp, count=8, dim=40, queries=6)
            a = mnemo("run", cfg, "--quiet", "--out", os.path.join(tmp, "a.h5"), "--threads", "1")
            b = mnemo("run", cfg, "--quiet", "--out", os.path.join(tmp, "b.h5"), "--threads", "2")
            self.assertEqual(a.returncode, 0, a.stderr)
            self.assertEqual(b.returncode, 0, b.stderr)
            with h5py.File(os.path.join(tmp, "a.h5")) as fa, h5py.File(os.path.join(tmp, "b.h5")) as fb:
                for p in ["model/memories", "trajectories/state", "trajectories/energy", "recall/overlap"]:
                    np.testing.assert_array_equal(fa[p][:], fb[p][:], p)

    def test_summary_names_the_figures(self):
        with tempdir() as tmp:
            cfg, out = config(tmp)
            r = mnemo("run", cfg)
            self.assertEqual(r.returncode, 0, r.stderr)
            for word in ["recall success rate", "mean final overlap", "mean energy drop", "RHS evaluations", "wall time"]:
                self.assertIn(word, r.stdout)
            self.assertNotIn("\r", r.stdout)  # no progress bar when stdout is not a terminal


class AgreesWithScipy(unittest.TestCase):
    """Both baseline models' final states agree with SciPy's solve_ivp (rtol 1e-9) within 1e-5."""

    def run_model(self, tmp, kind, model, t_end):
        cfg, out = config(tmp, kind=kind, model=model, count=4, dim=16, queries=3, rtol=1e-10, atol=1e-12,
                          t_end=t_end, integrate="converge_tol = 0.0")
        r = mnemo("run", cfg, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            return f["model/memories"][:], f["recall/cue"][:], f["trajectories/final"][:], f["trajectories/energy"][:]

    def test_modern_hopfield(self):
        beta = 0.7  # soft enough that the trajectory is not trivially the nearest memory
        with tempdir() as tmp:
            X, cues, final, _ = self.run_model(tmp, "modern_hopfield", f"beta = {beta}", 6.0)

        def f(t, v):
            s = beta * X @ v
            p = np.exp(s - s.max())
            return X.T @ (p / p.sum()) - v

        for b in range(cues.shape[0]):
            sol = solve_ivp(f, (0, 6.0), cues[b], method="DOP853", rtol=1e-9, atol=1e-11)
            self.assertLess(np.abs(sol.y[:, -1] - final[b]).max(), 1e-5)

    def test_classical_hopfield(self):
        gain = 1.2
        with tempdir() as tmp:
            X, cues, final, energy = self.run_model(tmp, "classical_hopfield", f"gain = {gain}", 3.0)
        N = X.shape[1]
        W = X.T @ X / N
        np.fill_diagonal(W, 0.0)

        def f(t, u):
            return -u + W @ np.tanh(gain * u)

        for b in range(cues.shape[0]):
            sol = solve_ivp(f, (0, 3.0), cues[b], method="DOP853", rtol=1e-9, atol=1e-11)
            # the compared state of the classical model is g(u) = tanh(gain u)
            self.assertLess(np.abs(np.tanh(gain * sol.y[:, -1]) - final[b]).max(), 1e-5)
            u0 = cues[b]
            g = np.tanh(gain * u0)
            integral = np.sum((g * np.arctanh(g) + 0.5 * np.log(1 - g * g)) / gain)
            self.assertAlmostEqual(energy[b, 0], -0.5 * g @ W @ g + integral, places=8)


if __name__ == "__main__":
    unittest.main()
