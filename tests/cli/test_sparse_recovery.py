"""sparse_recovery through the command line (docs/models/sparse_recovery.md): `mnemo run` writes
the learned constraints under /model/constraints (B M^T = 0, orthonormal rows), the query layer
holds the cue, the estimate layer ends with every sign of its target, the energy never rises; bad
parameters and memories that span R^N give the contract's one-line error and exit 2."""
import os
import sys
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import config, mnemo, tempdir  # noqa: E402


class SparseRecoveryRun(unittest.TestCase):
    def test_run_file_and_recall(self):
        with tempdir() as tmp:
            # N = 60, K = 30 (m = 30 constraints), 3 of 60 signs flipped.
            path, out = config(tmp, kind="sparse_recovery", model="lambda = 0.05", count=30, dim=60, queries=6,
                               level=0.05, t_end=100.0, dt_save=10.0)
            r = mnemo("run", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out, "r") as f:
                M = f["/model/memories"][()]
                B = f["/model/constraints"][()]
                self.assertEqual(B.shape, (30, 60))
                self.assertLess(np.abs(B @ M.T).max(), 1e-9)
                self.assertLess(np.abs(B @ B.T - np.eye(30)).max(), 1e-9)
                final = f["/trajectories/final"][()]
                initial = f["/trajectories/initial"][()]
                target = f["/recall/target"][()]
                query = f["/trajectories/layers/query"][()]
                energy = f["/trajectories/energy"][()]
            for b in range(len(target)):
                self.assertTrue(np.array_equal(np.sign(final[b]), M[target[b]]), f"query {b}")
                self.assertLess(np.abs(query[b, -1] - initial[b]).max(), 1e-8)
            self.assertLessEqual(np.diff(energy, axis=1).max(), 1e-5)

    def test_bad_inputs_are_one_line_exit_2(self):
        with tempdir() as tmp:
            for model, count, needle in [("lambda = 0.0", 10, "key 'model.lambda': must be > 0"),
                                         ("tau = -1.0", 10, "key 'model.tau': must be > 0"),
                                         ("lambda = 0.05", 25, "span all of R^20")]:
                path, _ = config(tmp, kind="sparse_recovery", model=model, count=count, dim=20)
                r = mnemo("run", path)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertTrue(r.stderr.startswith("mnemo: error:"), r.stderr)
                self.assertIn(needle, r.stderr)


if __name__ == "__main__":
    unittest.main()
