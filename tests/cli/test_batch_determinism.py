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

    def test_batch_needs_dopri5(self):
        with tempdir() as tmp:
            cfg, _ = config(tmp, method="rk4", integrate="batch = true")
            r = mnemo("run", cfg)
            self.assertEqual(r.returncode, 2)
            self.assertIn("integrate.batch", r.stderr)


if __name__ == "__main__":
    unittest.main()
