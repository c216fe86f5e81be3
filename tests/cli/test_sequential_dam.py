"""The sequential_dam kind through the command line (models/sequential_dam.hpp;
docs/models/sequential_dam.md): `mnemo run` on permuted 8x8 digits trains the dense associative
memory task after task, writes the trained memories, the accuracy matrix and the permutations
under /model, and relaxes cues of the trained memories like every ODE kind (energy never rises);
`mnemo analyze` rebuilds the model from the file. The signature at reduced size: naive training
forgets task 1, rehearsal keeps more of it. Bad parameters are one error line, exit 2."""
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
    kind = "sequential_dam"
    method = "{method}"
    tasks = 3
    epochs = 20
    {extra_model}
    [memories]
    source = "digits"
    count = 100
    {extra_memories}
    [queries]
    count = 10
    level = 0.1
    [integrate]
    t_end = 5
    [output]
    path = "{out}"
    """)


def write(tmp, name, method="naive", extra_model="", extra_memories=""):
    out = os.path.join(tmp, name + ".h5")
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(CONFIG.format(out=out, method=method, extra_model=extra_model, extra_memories=extra_memories))
    return path, out


@unittest.skipUnless(os.path.exists(DIGITS), "python3-sklearn's digits.csv.gz is not installed")
class SequentialDam(unittest.TestCase):
    def test_run_forgetting_and_analyze(self):
        with tempdir() as tmp:
            acc = {}
            for method in ("naive", "rehearsal"):
                path, out = write(tmp, method, method)
                r = mnemo("run", path, "--quiet")
                self.assertEqual(r.returncode, 0, r.stderr)
                with h5py.File(out) as f:
                    self.assertEqual(f.attrs["complete"], 1)
                    m = f["model"]
                    self.assertEqual(m.attrs["kind"], "sequential_dam")
                    self.assertEqual(m.attrs["method"], method)
                    mem = m["memories"][:]
                    self.assertEqual(mem.shape, (100, 64 + 10))  # pixels + label neurons
                    self.assertTrue(np.all(np.abs(mem) <= 1.0))
                    a = m["accuracy"][:]
                    self.assertEqual(a.shape, (3, 3))
                    self.assertTrue(np.all((a >= 0) & (a <= 1)))
                    perm = m["permutations"][:]
                    self.assertEqual(perm.shape, (3, 64))
                    np.testing.assert_array_equal(perm[0], np.arange(64))
                    for row in perm:
                        np.testing.assert_array_equal(np.sort(row), np.arange(64))
                    energy = f["trajectories/energy"][:]
                    self.assertTrue(np.all(np.diff(energy, axis=1) <= 1e-6 * (1 + np.abs(energy[:, :-1]))))
                acc[method] = a
                print(method, "task 1 after each task:", np.round(a[:, 0], 3), "final row:", np.round(a[-1], 3))
            n, r = acc["naive"], acc["rehearsal"]
            self.assertEqual(n[0, 0], r[0, 0])        # same seed, nothing to protect yet
            self.assertGreater(n[0, 0], 0.75)
            self.assertLess(n[-1, 0], n[0, 0] - 0.15)  # naive forgets task 1
            self.assertGreater(r[-1, 0], n[-1, 0] + 0.1)  # rehearsal keeps more of it
            # The model rebuilt from /model/memories is the one that ran.
            a = mnemo("analyze", os.path.join(tmp, "naive.h5"), "--quiet", "--random-starts", "2", "--end-points", "4")
            self.assertEqual(a.returncode, 0, a.stderr)

    def test_sweep_over_ewc_strength(self):
        # EWC's lambda trades task 1 against the later tasks: lambda = 0 is naive training, a huge
        # lambda freezes the memories after task 1 (no forgetting, later tasks not learned).
        with tempdir() as tmp:
            path, out = write(tmp, "sweep", "ewc")
            with open(path, "a") as f:
                f.write('[sweep]\nkey = "model.ewc_lambda"\nvalues = [0, 1, 1000]\n')
            r = mnemo("sweep", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                first, final, mean, forgetting = (f["sweep/" + k][:] for k in (
                    "task1_accuracy_first", "task1_accuracy_final", "final_mean_accuracy", "mean_forgetting"))
            print("ewc_lambda 0, 1, 1000: task 1 final", np.round(final, 3), "final mean", np.round(mean, 3),
                  "forgetting", np.round(forgetting, 3))
            self.assertTrue(np.all(first == first[0]))           # task 1 is learned before any penalty
            self.assertTrue(np.all(np.diff(final) > 0.05))        # more protection, more of task 1 kept
            self.assertTrue(np.all(np.diff(forgetting) < 0))
            self.assertLess(forgetting[2], 0.02)                  # frozen
            self.assertLess(mean[2], mean[0] - 0.1)               # ... and later tasks not learned

    def test_bad_input(self):
        with tempdir() as tmp:
            cases = [
                (dict(method="gem"), "model.method"),
                (dict(extra_model="temperature = 0"), "model.temperature"),
                (dict(extra_model="n = 1"), "model.n"),
                (dict(extra_model="rehearsal_fraction = 1.5"), "model.rehearsal_fraction"),
                (dict(method="si", extra_model="si_damping = 0"), "model.si_damping"),
                (dict(extra_model="ewc_lambda = -1"), "model.ewc_lambda"),
                (dict(extra_model="learning_rate = 2"), "model.learning_rate"),
                (dict(extra_model="train_per_task = 1600"), "model.train_per_task"),  # + 300 test > 1797 digits
                (dict(extra_model="batch = 501"), "model.batch"),  # > train_per_task (500)
                (dict(extra_memories="dim = 64"), "memories.dim"),
            ]
            for i, (kw, key) in enumerate(cases):
                path, _ = write(tmp, "bad%d" % i, **kw)
                self.check_bad(path, key)
            path, _ = write(tmp, "badsource")
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace('source = "digits"', 'source = "random_binary"\ndim = 74'))
            self.check_bad(path, "memories.source")

    def check_bad(self, path, key):
        r = mnemo("run", path, "--quiet")
        self.assertEqual(r.returncode, 2, (key, r.stderr))
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("mnemo: error: "), r.stderr)
        self.assertIn("'" + key + "'", lines[0])


if __name__ == "__main__":
    unittest.main()
