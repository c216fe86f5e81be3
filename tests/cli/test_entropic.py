"""The entropic kind through the command line (models/entropic_memory.hpp; docs/models/entropic.md):
`mnemo run` on held-out digits writes the registers under /model and precision/recall/entropy
as /recall attributes; `mnemo sweep` over model.m gives the papers' shape (precision rises,
recall peaks then falls, entropy grows); bad parameters are one error line, exit 2."""
import os
import sys
import textwrap
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import mnemo, tempdir  # noqa: E402

DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"

EAM = textwrap.dedent("""\
    seed = 3
    [model]
    kind = "entropic"
    m = {m}
    features = {features}
    {extra_model}
    [memories]
    source = "digits"
    count = 1000
    [queries]
    count = 300
    corruption = "gaussian"
    level = 0.0
    [integrate]
    t_end = 1
    [output]
    path = "{out}"
    {extra}
    """)


def write(tmp, name, **kw):
    kw.setdefault("m", 16)
    kw.setdefault("features", 16)
    kw.setdefault("extra", "")
    kw.setdefault("extra_model", "")
    out = os.path.join(tmp, name + ".h5")
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(EAM.format(out=out, **kw))
    return path, out


@unittest.skipUnless(os.path.exists(DIGITS), "python3-sklearn's digits.csv.gz is not installed")
class Entropic(unittest.TestCase):
    def test_run_file(self):
        with tempdir() as tmp:
            path, out = write(tmp, "e")
            r = mnemo("run", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                self.assertEqual(f.attrs["complete"], 1)
                self.assertEqual(f["model"].attrs["kind"], "entropic")
                mem = f["model/memories"][:]
                self.assertEqual(mem.shape, (1000, 16))
                self.assertTrue(np.all((mem >= 0) & (mem <= 15) & (mem == np.round(mem))))
                regs = f["model/registers"][:]
                self.assertEqual(regs.shape, (10 * 17, 16))
                labels = f["model/memory_labels"][:, 0].astype(int)
                # Every stored object is counted once per column, in its class's register.
                for c in range(10):
                    block = regs[17 * c:17 * (c + 1)]
                    np.testing.assert_array_equal(block.sum(axis=0), np.full(16, np.sum(labels == c)))
                    for j in range(16):
                        vals, counts = np.unique(mem[labels == c, j].astype(int), return_counts=True)
                        np.testing.assert_array_equal(block[vals, j], counts)
                a = f["recall"].attrs
                self.assertGreater(a["precision"], 0.5)
                self.assertGreater(a["recall"], 0.4)
                self.assertGreater(a["entropy"], 2.5)
                self.assertLessEqual(a["entropy"], 4.0)
                energy = f["trajectories/energy"][:]
                self.assertTrue(np.all(energy[:, 1] <= energy[:, 0]))

    def test_sweep_over_rows(self):
        with tempdir() as tmp:
            path, out = write(tmp, "s", extra='[sweep]\nkey = "model.m"\nvalues = [2, 8, 32, 128]')
            r = mnemo("sweep", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                p, rec, ent = (f["sweep/" + k][:] for k in ("precision", "recall", "entropy"))
            self.assertTrue(np.all(np.diff(ent) > 0), ent)
            self.assertGreater(p[2], p[0] + 0.3)
            self.assertGreater(rec[2], rec[0])
            self.assertLess(rec[3], 0.5 * rec[2])

    def test_bad_input(self):
        with tempdir() as tmp:
            cases = [
                (dict(m=0), "model.m"),
                (dict(m=2.5), "model.m"),
                (dict(features=65), "model.features"),
                (dict(extra_model='cells = "fuzzy"'), "model.cells"),
                (dict(extra_model="sigma = 0"), "model.sigma"),
                (dict(extra_model="xi = -1"), "model.xi"),
            ]
            for i, (kw, key) in enumerate(cases):
                path, _ = write(tmp, "bad%d" % i, **kw)
                self.check_bad(path, key)
            for i, (old, new, key) in enumerate([
                ('source = "digits"', 'source = "random_binary"\ndim = 10', "memories.source"),
                ("count = 1000", "count = 1797", "memories.count"),
                ("count = 300", "count = 900", "queries.count"),
                ('corruption = "gaussian"\nlevel = 0.0', 'corruption = "flip"\nlevel = 0.2', "queries.level"),
                ('corruption = "gaussian"\nlevel = 0.0', 'corruption = "mask"\nlevel = 1.5', "queries.level"),
            ]):
                path, out = write(tmp, "badm%d" % i)
                with open(path) as f:
                    text = f.read()
                self.assertIn(old, text)
                with open(path, "w") as f:
                    f.write(text.replace(old, new))
                self.check_bad(path, key)

    def check_bad(self, path, key):
        r = mnemo("run", path, "--quiet")
        self.assertEqual(r.returncode, 2, (key, r.stderr))
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("mnemo: error: "), r.stderr)
        self.assertIn("'" + key + "'", lines[0])


if __name__ == "__main__":
    unittest.main()
