"""python/mnemo_h5 reads what `mnemo analyze` writes under /analysis (docs/analysis.md) as named
arrays, and the spectra it returns are the model's: for `modern_hopfield` (contract section 3,
E(v) = 1/2 v.v - 1/beta log sum exp(beta X v)) the energy Hessian at a point is
I - beta X^T (diag p - p p^T) X with p = softmax(beta X v), and the Jacobian of dv/dt is its
negative; both are recomputed here with numpy from the stored states and compared."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from clitools import config, mnemo, tempdir  # noqa: E402

import mnemo_h5  # noqa: E402  (PYTHONPATH=<repo>/python, set by ctest)

try:
    import xarray  # noqa: F401
    HAVE_XARRAY = True
except ImportError:
    HAVE_XARRAY = False


class AnalysisReader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # K = 4 memories of N = 24, beta = 0.3: weak enough that mixtures of memories are fixed points too.
        cls.tmp = tempdir()
        cfg, cls.path = config(cls.tmp.name, name="modern", model="beta = 0.3", count=4, dim=24, queries=6,
                               t_end=30.0)
        r = mnemo("run", cfg, "--quiet")
        assert r.returncode == 0, r.stderr
        r = mnemo("analyze", cls.path, "--random-starts", "12", "--eigenvalues", "6", "--quiet", "--threads", "2")
        assert r.returncode == 0, r.stderr
        cls.file = mnemo_h5.load(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_named_arrays(self):
        run = self.file
        fp = run.fixed_points
        self.assertIsNotNone(fp)
        P = fp.state.shape[0]
        self.assertGreaterEqual(P, 4)
        self.assertEqual(fp.state.dims, ("fixed_point", "state"))
        self.assertEqual(fp.readout.dims, ("fixed_point", "neuron"))
        self.assertEqual(fp.hessian_eigenvalues.dims, ("fixed_point", "eigenvalue"))
        self.assertEqual(fp.hessian_eigenvalues.shape, (P, 6))
        for name in ("residual", "energy", "overlap", "stability", "index", "kind", "flat_dimension"):
            self.assertEqual(fp[name].dims, ("fixed_point",), name)
            self.assertIn("description", fp[name].attrs)
        self.assertEqual(run.energy_audit.attrs["passed"], 1)
        self.assertEqual(run.energy_audit.max_increase.dims, ("trajectory",))
        stab = run.labels("stability")
        self.assertEqual(len(stab), P)
        self.assertTrue(set(stab) <= {"stable", "saddle", "marginal", "unknown"})
        self.assertEqual([s == "stable" for s in stab], list(fp.stability.values == 0))
        kinds = run.labels("kind")
        self.assertEqual(kinds.count("memory"), int(np.sum(fp.kind.values == 0)))
        self.assertEqual(kinds.count("memory"), 4, "each memory is a fixed point")
        self.assertIn("saddle", stab, "saddles between memories")

    def test_spectra_are_the_models(self):
        run = self.file
        X = run.memories.values
        beta = float(run.params["beta"])
        fp = run.fixed_points
        fixed = fp.status.values == 0
        checked = 0
        for p in np.flatnonzero(fixed):
            v = fp.state.values[p]
            s = beta * X @ v
            q = np.exp(s - s.max())
            q /= q.sum()
            H = np.eye(len(v)) - beta * X.T @ (np.diag(q) - np.outer(q, q)) @ X
            ev = np.sort(np.linalg.eigvalsh(H))
            np.testing.assert_allclose(fp.hessian_eigenvalues.values[p], ev[:6], atol=1e-8)
            np.testing.assert_allclose(fp.jacobian_eigenvalues_real.values[p], -ev[:6], atol=1e-8)
            np.testing.assert_allclose(fp.jacobian_eigenvalues_imag.values[p], 0.0, atol=1e-8)
            self.assertEqual(fp.index.values[p], int(np.sum(ev < -1e-7)))
            self.assertLess(np.linalg.norm(X.T @ q - v), 1e-8, "v = X^T softmax(beta X v)")
            checked += 1
        self.assertGreaterEqual(checked, 5)

    @unittest.skipUnless(HAVE_XARRAY, "python3-xarray not installed")
    def test_xarray(self):
        ds = self.file.fixed_points.to_xarray()
        self.assertEqual(ds["hessian_eigenvalues"].dims, ("fixed_point", "eigenvalue"))
        self.assertEqual(ds.sizes["fixed_point"], self.file.fixed_points.state.shape[0])

    def test_labels_without_analysis(self):
        with tempdir() as tmp:
            cfg, out = config(tmp, name="plain", count=3, dim=10, queries=2, t_end=1.0)
            self.assertEqual(mnemo("run", cfg, "--quiet").returncode, 0)
            run = mnemo_h5.load(out)
            self.assertIsNone(run.fixed_points)
            self.assertIsNone(run.energy_audit)
            with self.assertRaises(KeyError):
                run.labels("stability")


if __name__ == "__main__":
    unittest.main()
