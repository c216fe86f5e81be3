"""[integrate] batch = true (docs/performance.md): mnemo run gives the same bits with 1 and 2
threads, and final states within the tolerance of the per-trajectory path."""
import os
import sys
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import config, mnemo, tempdir  # noqa: E402
import test_determinism  # noqa: E402


class BatchDeterminism(unittest.TestCase):
    check = test_determinism.Determinism.check

    def test_modern_hopfield_dopri5(self):
        self.check("batch", count=12, dim=40, queries=300, level=0.3, integrate="batch = true")

    def test_shared_step(self):
        self.check("shared", count=12, dim=40, queries=300, level=0.3,
                   integrate='batch = true\nbatch_step = "shared"')

    def test_agrees_with_per_trajectory(self):
        with tempdir() as tmp:
            finals = []
            for name, extra in [("one", "converge_tol = 0.0"), ("batch", "converge_tol = 0.0\nbatch = true")]:
                cfg, out = config(tmp, name=name, count=12, dim=40, queries=50, level=0.3, rtol=1e-9,
                                  atol=1e-11, integrate=extra)
                # Gaussian memories and cues: no ties between memories (±1 patterns with flipped
                # signs can start on a saddle's stable manifold, where rounding picks the winner).
                with open(cfg) as f:
                    text = f.read()
                text = text.replace('"random_binary"', '"random_gaussian"').replace('"flip"', '"gaussian"')
                with open(cfg, "w") as f:
                    f.write(text)
                r = mnemo("run", cfg, "--quiet")
                self.assertEqual(r.returncode, 0, r.stderr)
                with h5py.File(out, "r") as f:
                    finals.append(f["trajectories/final"][()])
            self.assertLess(np.abs(finals[0] - finals[1]).max(), 1e-6)

    def test_float_products(self):
        # precision = "float": same bits for 1 and 2 threads, recorded in the file, final states
        # within float rounding of the double run, and refused without batch = true.
        self.check("float", count=12, dim=40, queries=300, level=0.3, integrate='batch = true\nprecision = "float"')
        with tempdir() as tmp:
            finals = []
            for name, extra in [("double", ""), ("float", 'precision = "float"')]:
                cfg, out = config(tmp, name=name, count=12, dim=40, queries=50, level=0.3, rtol=1e-9,
                                  atol=1e-11, integrate="converge_tol = 0.0\nbatch = true\n" + extra)
                with open(cfg) as f:  # Gaussian memories and cues: no saddle ties (see below)
                    text = f.read()
                with open(cfg, "w") as f:
                    f.write(text.replace('"random_binary"', '"random_gaussian"').replace('"flip"', '"gaussian"'))
                r = mnemo("run", cfg, "--quiet")
                self.assertEqual(r.returncode, 0, r.stderr)
                with h5py.File(out, "r") as f:
                    finals.append(f["trajectories/final"][()])
                    self.assertEqual(f["trajectories"].attrs["precision"], name)
                    self.assertEqual(f["trajectories"].attrs["batch"], 1)
            deviation = np.abs(finals[0] - finals[1]).max()
            self.assertGreater(deviation, 0.0)
            self.assertLess(deviation, 1e-4)
            print(f"float vs double products: max final-state deviation {deviation:.1e}")
            cfg, out = config(tmp, name="nobatch", integrate='precision = "float"')
            r = mnemo("run", cfg)
            self.assertEqual(r.returncode, 2)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("integrate.precision", r.stderr)
            self.assertIn("needs batch = true", r.stderr)
            self.assertFalse(os.path.exists(out))

    def test_batch_needs_dopri5(self):
        with tempdir() as tmp:
            cfg, _ = config(tmp, method="rk4", integrate="batch = true")
            r = mnemo("run", cfg)
            self.assertEqual(r.returncode, 2)
            self.assertIn("integrate.batch", r.stderr)


if __name__ == "__main__":
    unittest.main()
