"""The iamm kind through the command line (models/iamm.hpp; docs/models/iamm.md): the run file
holds IAMM's memory (20 + 60 (M - 1) rows), the utterances and the head's projection; /model/relaxation_memories is Xi = S W W^T / sqrt(d_h) for the situation S = /model/memories; the relaxation's energy
never rises; bad parameters are one error line, exit 2."""
import os
import sys
import textwrap
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import mnemo, tempdir  # noqa: E402

IAMM = textwrap.dedent("""\
    seed = 4
    [model]
    kind = "iamm"
    utterances = 3
    {extra_model}
    [memories]
    source = "random_gaussian"
    count = 30
    dim = 48
    [queries]
    count = 20
    corruption = "gaussian"
    level = 0.5
    [integrate]
    t_end = 20
    [output]
    path = "{out}"
    """)


def write(tmp, name, extra_model=""):
    out = os.path.join(tmp, name + ".h5")
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(IAMM.format(out=out, extra_model=extra_model))
    return path, out


class Iamm(unittest.TestCase):
    def test_run_file(self):
        with tempdir() as tmp:
            path, out = write(tmp, "i")
            r = mnemo("run", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                self.assertEqual(f.attrs["complete"], 1)
                m = f["model"]
                self.assertEqual(m["iamm_memory"].shape, (20 + 60 * 2, 48))
                self.assertEqual(m["utterances"].shape, (3 * 8, 48))
                S, W, Xi = m["memories"][:], m["head_projection"][:], m["relaxation_memories"][:]
                self.assertEqual(W.shape, (48, 16))
                np.testing.assert_allclose(W.T @ W, np.eye(16), atol=1e-12)
                np.testing.assert_allclose(Xi, S @ W @ W.T / 4.0, atol=1e-12)
                e = f["trajectories/energy"][:]
                self.assertTrue(np.all(np.diff(e, axis=1) <= 1e-6 * (1 + np.abs(e[:, :-1]))))
                self.assertGreater(np.mean(f["recall/nearest"][:] == f["recall/target"][:]), 0.7)

    def test_bad_input(self):
        with tempdir() as tmp:
            for i, (extra, key) in enumerate([
                ("head_dim = 25", "model.head_dim"),
                ("head = 2", "model.head"),
                ("beta = 0", "model.beta"),
                ("k = 0", "model.k"),
                ("utterance_noise = -1", "model.utterance_noise"),
            ]):
                path, _ = write(tmp, "bad%d" % i, extra)
                r = mnemo("run", path, "--quiet")
                self.assertEqual(r.returncode, 2, (key, r.stderr))
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertTrue(lines[0].startswith("mnemo: error: "), r.stderr)
                self.assertIn("'" + key + "'", lines[0])


if __name__ == "__main__":
    unittest.main()
