"""Same config and seed, same bits (issue 9, contract section 3): two runs, and runs with
--threads 1 and --threads 2, give bit-identical HDF5 files — every dataset (found with h5py's
visititems, so datasets added later are covered too) and every attribute except the ones that
record when and how long (`created`, `wall_seconds`)."""
import os
import sys
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import config, mnemo, tempdir  # noqa: E402

VARYING = {"created", "wall_seconds"}  # attributes that record wall-clock facts, not results


def contents(path):
    """{dataset path: array} and {object path/attribute: value} of a whole file."""
    data, attrs = {}, {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data[name] = obj[()]
            for k, v in obj.attrs.items():
                if k not in VARYING and k not in ("DIMENSION_LIST", "REFERENCE_LIST"):  # object references
                    attrs[name + "@" + k] = v
        for k, v in f.attrs.items():
            if k not in VARYING:
                attrs["/@" + k] = v
        f.visititems(visit)
    return data, attrs


def bits(value):
    """Numbers as their raw bytes (bit-identical, NaN-safe, -0.0 != 0.0); strings as themselves."""
    a = np.asarray(value)
    return (a.dtype.str, a.shape, a.tobytes()) if a.dtype.kind in "biufc" else a.tolist()


class Determinism(unittest.TestCase):
    def check(self, name, **kw):
        with tempdir() as tmp:
            cfg, _ = config(tmp, name=name, **kw)
            outs = []
            for i, threads in enumerate(["1", "2", "2"]):
                out = os.path.join(tmp, f"{name}-{i}.h5")
                r = mnemo("run", cfg, "--quiet", "--out", out, "--threads", threads)
                self.assertEqual(r.returncode, 0, r.stderr)
                outs.append(contents(out))
            ref_data, ref_attrs = outs[0]
            self.assertIn("trajectories/state", ref_data)
            self.assertIn("recall/overlap", ref_data)
            for data, attrs in outs[1:]:
                self.assertEqual(sorted(data), sorted(ref_data))
                for path, value in ref_data.items():
                    self.assertEqual(bits(data[path]), bits(value), f"{name}: {path}")
                self.assertEqual(sorted(attrs), sorted(ref_attrs))
                for key, value in ref_attrs.items():
                    self.assertEqual(bits(attrs[key]), bits(value), f"{name}: {key}")
            return ref_data

    def test_modern_hopfield_dopri5(self):
        # several trajectories per thread, early stopping on (converge_tol default)
        self.check("modern", count=12, dim=40, queries=9, level=0.3)

    def test_classical_hopfield_cash_karp(self):
        self.check("classical", kind="classical_hopfield", model="gain = 3.0", count=5, dim=30, queries=7,
                   method="cash_karp54", t_end=3.0)

    def test_fixed_step_rk4(self):
        self.check("rk4", method="rk4", integrate="dt = 0.05", count=6, dim=25, queries=5, t_end=2.0)

    def test_stochastic(self):
        # [noise]: the noise of each trajectory comes from a counter-based generator keyed by the
        # seed, so it is independent of the thread that draws it.
        data = self.check("noise", method="rk4", integrate="dt = 0.05\n[noise]\nsigma = 0.05",
                          count=6, dim=25, queries=5, t_end=2.0)
        self.assertGreater(len(data), 5)


if __name__ == "__main__":
    unittest.main()
