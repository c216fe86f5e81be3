"""Array parameters of [model] (issue 4): `sizes = [..]`, `lagrangians = [..]` reach the model, are
recorded as 1-D attributes of /model (defaults resolved), `mnemo analyze` rebuilds the same model from
them and the run's seed (random weights), and `mnemo sweep` still sweeps scalar parameters of such a
kind while refusing an array key with one error line."""
import os
import sys
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import config, mnemo, tempdir  # noqa: E402

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

STACK = ('sizes = [20, 5, 4]\nlagrangians = ["identity", "softmax", "logcosh"]\n'
         'parameters = [0, 0.5, 2.0]\ntaus = [1.0, 0.2, 0.3]\nweight_scale = 1.5')


class ModelArrays(unittest.TestCase):
    def test_arrays_are_recorded_and_analyze_rebuilds_the_model(self):
        with tempdir() as tmp:
            cfg, out = config(tmp, kind="hierarchical", model=STACK, seed=5, t_end=3.0)
            r = mnemo("run", cfg, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out, "r") as f:
                a = f["model"].attrs
                np.testing.assert_array_equal(a["sizes"], [20, 5, 4])
                self.assertEqual(a["sizes"].dtype, np.float64)
                self.assertEqual([str(s) for s in a["lagrangians"]], ["identity", "softmax", "logcosh"])
                np.testing.assert_array_equal(a["parameters"], [0, 0.5, 2.0])
                np.testing.assert_array_equal(a["taus"], [1.0, 0.2, 0.3])
                self.assertEqual(a["weight_scale"], 1.5)
                self.assertIn("layer2: logcosh, size 4, tau 0.3", a["layers"])
            # analyze rebuilds the network from /model and the root seed: its energy audit of the
            # stored trajectories passes only if the random weights are the ones that ran.
            r = mnemo("analyze", out, "--quiet", "--random-starts", "4", "--end-points", "8")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out, "r") as f:
                self.assertIn("analysis", f)

    def test_defaults_are_recorded_resolved(self):
        with tempdir() as tmp:
            cfg, out = config(tmp, kind="hierarchical", model="", t_end=1.0)
            r = mnemo("run", cfg, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out, "r") as f:
                a = f["model"].attrs
                np.testing.assert_array_equal(a["sizes"], [20, 5, 5])  # [N, K, K]
                self.assertEqual([str(s) for s in a["lagrangians"]], ["identity", "softmax", "softmax"])

    def test_seed_seeds_the_random_weights(self):
        finals = {}
        with tempdir() as tmp:
            for name, seed in [("a", 5), ("b", 5)]:
                cfg, out = config(tmp, name=name, kind="random_features", model="beta = 0.2\nY = 64", seed=seed,
                                  t_end=1.0)
                r = mnemo("run", cfg, "--quiet")
                self.assertEqual(r.returncode, 0, r.stderr)
                with h5py.File(out, "r") as f:
                    finals[name] = f["trajectories/final"][:]
            np.testing.assert_array_equal(finals["a"], finals["b"])

    def test_sweep_over_a_scalar_parameter_of_a_kind_with_arrays(self):
        with tempdir() as tmp:
            sweep = '[sweep]\nkey = "model.weight_scale"\nvalues = [0.5, 1.5]\n'
            cfg, out = config(tmp, kind="hierarchical", model=STACK, t_end=1.0, queries=2)
            with open(cfg, "a") as f:
                f.write(sweep)
            r = mnemo("sweep", cfg, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out, "r") as f:
                np.testing.assert_array_equal(f["sweep/values"][:], [0.5, 1.5])
            cfg2, _ = config(tmp, name="bad", kind="hierarchical", model=STACK, t_end=1.0, queries=2)
            with open(cfg2, "a") as f:
                f.write('[sweep]\nkey = "model.sizes"\nvalues = [3]\n')
            r = mnemo("sweep", cfg2, "--quiet")
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("'model.sizes' is not a numeric key", r.stderr)


if __name__ == "__main__":
    unittest.main()
