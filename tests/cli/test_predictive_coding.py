"""predictive_coding through the command line (docs/models/predictive_coding.md): `mnemo run` on
12 sklearn digits (pixels in [0, 1]) trains the generative network, writes its weights, top start
and training curve under /model, and recalls half-masked cues by clamped inference: the known
pixels and the held cue layer stay put, the energy never rises, and the completed images are
close to their targets (measured mean MSE 0.126 -> 0.0006, all 6 below 0.005). Same seed, same
bits. Bad parameters give the contract's one-line error and exit 2."""
import os
import sys
import textwrap
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import mnemo, tempdir  # noqa: E402

DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"

CONFIG = textwrap.dedent("""\
    seed = 1
    [model]
    kind = "predictive_coding"
    {model}
    [memories]
    source = "digits"
    count = 12
    normalize = "none"
    [queries]
    from = "memories"
    count = 6
    corruption = "{corruption}"
    level = {level}
    [integrate]
    method = "dopri5"
    t_end = 100.0
    dt_save = 5.0
    [output]
    path = "{out}"
    """)

GOOD = 'sizes = [64, 12]\ntrain_epochs = 800\nlearning_rate = 0.003'


def write(tmp, name, model=GOOD, corruption="mask", level=0.5):
    out = os.path.join(tmp, name + ".h5")
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(CONFIG.format(model=model, corruption=corruption, level=level, out=out))
    return path, out


@unittest.skipUnless(os.path.exists(DIGITS), "sklearn's digits.csv.gz is not installed")
class PredictiveCodingRun(unittest.TestCase):
    def test_completion_of_half_masked_digits(self):
        with tempdir() as tmp:
            path, out = write(tmp, "pc")
            r = mnemo("run", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out, "r") as f:
                self.assertEqual(f["/model"].attrs["kind"], "predictive_coding")
                M = f["/model/memories"][()]
                self.assertEqual(f["/model/weights_1"].shape, (64, 64))
                self.assertEqual(f["/model/weights_2"].shape, (64, 12))
                self.assertEqual(f["/model/top_init"].shape, (1, 12))
                train = f["/model/training_energy"][()].ravel()
                final = f["/trajectories/final"][()]
                initial = f["/trajectories/initial"][()]
                states = f["/trajectories/state"][()]
                target = f["/recall/target"][()]
                cue_layer = f["/trajectories/layers/cue"][()]
                energy = f["/trajectories/energy"][()]
            self.assertEqual(len(train), 800)
            self.assertLess(train.min(), 0.05 * train[0])
            known = initial != 0.0
            for b in range(len(target)):
                # The held cue and the clamped (non-zero) pixels do not move.
                self.assertLess(np.abs(cue_layer[b] - initial[b]).max(), 1e-9)
                self.assertLess(np.abs(states[b][:, known[b]] - initial[b][known[b]]).max(), 1e-9)
            self.assertLessEqual(np.diff(energy, axis=1).max(), 1e-8)
            cue_mse = ((initial - M[target]) ** 2).mean(axis=1)
            mse = ((final - M[target]) ** 2).mean(axis=1)
            print(f"\n12 digits, half masked: cue MSE {cue_mse.mean():.4f} -> recalled {mse.mean():.5f} "
                  f"(max {mse.max():.5f})")
            self.assertLess(mse.mean(), 0.1 * cue_mse.mean())
            self.assertTrue((mse < 0.005).mean() >= 0.8, mse)
            # Same seed, same bits.
            path2, out2 = write(tmp, "again")
            self.assertEqual(mnemo("run", path2, "--quiet").returncode, 0)
            with h5py.File(out2, "r") as f:
                self.assertTrue(np.array_equal(f["/trajectories/final"][()], final))

    def test_bad_inputs_are_one_line_exit_2(self):
        with tempdir() as tmp:
            for model, needle in [("sizes = []", "key 'model.sizes': needs at least one layer"),
                                  ("sizes = [16, 0]", "key 'model.sizes': entry 1 must be >= 1"),
                                  ("gamma = 2.0", "key 'model.gamma': must be <= 1"),
                                  ("learning_rate = 0.0", "key 'model.learning_rate': must be > 0"),
                                  ('activation = "sigmoid"', "key 'model.activation': must be one of tanh, softplus"),
                                  ('clamp = "half"', "key 'model.clamp': must be one of nonzero, none"),
                                  ("train_epochs = -1", "key 'model.train_epochs': must be >= 0")]:
                path, _ = write(tmp, "bad", model=model)
                r = mnemo("run", path)
                self.assertEqual(r.returncode, 2, model + ": " + r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertTrue(r.stderr.startswith("mnemo: error:"), r.stderr)
                self.assertIn(needle, r.stderr)


if __name__ == "__main__":
    unittest.main()
