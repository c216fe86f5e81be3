"""Discrete-time kinds through the command line (issue 7; cli/discrete_pipeline.cpp): `mnemo run`
writes the contract's file for savin and karbasi (time = iteration, energy = the algorithm's
objective) plus /recall/symbol_error_rate; `mnemo sweep` over model.upsilon and memories.count
writes /sweep/symbol_error_rate; bad inputs give the contract's one-line error and exit 2."""
import os
import sys
import textwrap
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import mnemo, tempdir  # noqa: E402

SAVIN = textwrap.dedent("""\
    seed = 2
    [model]
    kind = "savin"
    f = 0.1
    rule = "{rule}"
    decoder = "{decoder}"
    [memories]
    source = "model"
    count = {count}
    dim = 400
    [queries]
    count = 4
    level = 0.036
    [integrate]
    t_end = 40
    [output]
    path = "{out}"
    {extra}
    """)

KARBASI = textwrap.dedent("""\
    seed = 5
    [model]
    kind = "karbasi"
    clusters = 15
    training_patterns = 200
    verify_patterns = 400
    upsilon = {upsilon}
    [memories]
    source = "model"
    count = 8
    dim = 120
    [queries]
    count = 30
    level = 0.15
    [integrate]
    t_end = 10
    [output]
    path = "{out}"
    {extra}
    """)


def write(tmp, name, template, **kw):
    kw.setdefault("extra", "")
    out = os.path.join(tmp, name + ".h5")
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(template.format(out=out, **kw))
    return path, out


class DiscreteRun(unittest.TestCase):
    def test_savin_run_file(self):
        with tempdir() as tmp:
            path, out = write(tmp, "s", SAVIN, rule="simple_hebb", decoder="aware", count=60)
            r = mnemo("run", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                self.assertEqual(f.attrs["complete"], 1)
                self.assertEqual(f["model"].attrs["kind"], "savin")
                mem = f["model/memories"][:]
                self.assertEqual(mem.shape, (60, 400))
                self.assertTrue(set(np.unique(mem)) <= {0.0, 1.0})
                time = f["trajectories/time"][:]
                np.testing.assert_array_equal(time, np.arange(41))
                energy = f["trajectories/energy"][:]
                self.assertTrue(np.all(np.diff(energy, axis=1) <= 1e-9 * (1 + np.abs(energy[:, :-1]))))
                state = f["trajectories/state"][:]
                np.testing.assert_array_equal(state[:, 0, :], f["recall/cue"][:])
                np.testing.assert_array_equal(state[:, -1, :], f["trajectories/final"][:])
                target = mem[f["recall/target"][:]]
                ser = np.mean(np.abs(f["trajectories/final"][:] - target) > 0.5, axis=1)
                np.testing.assert_allclose(f["recall/symbol_error_rate"][:], ser)
                cue = np.mean(np.abs(f["recall/cue"][:] - target) > 0.5, axis=1)
                np.testing.assert_allclose(f["recall/cue_error_rate"][:], cue)
                self.assertEqual(f["trajectories"].attrs["solver"], "discrete iterations")
                self.assertIn("t_stop", f["trajectories"])
            info = mnemo("info", out)
            self.assertEqual(info.returncode, 0, info.stderr)
            self.assertIn("symbol_error_rate", info.stdout)

    def test_sweeps_write_symbol_error_rates(self):
        with tempdir() as tmp:
            # Savin, naive decoder, simple Hebb: the error grows with the number of memories M.
            path, out = write(tmp, "sm", SAVIN, rule="simple_hebb", decoder="naive", count=20,
                              extra='[sweep]\nkey = "memories.count"\nvalues = [20, 200]')
            r = mnemo("sweep", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                ser = f["sweep/symbol_error_rate"][:]
                cue = f["sweep/cue_error_rate"][:]
                self.assertEqual(ser.shape, (2,))
                self.assertGreater(ser[1], ser[0])
                self.assertGreater(ser[1], 2 * cue[1])
            # Karbasi: some internal noise beats none at 15 % external errors.
            path, out = write(tmp, "ku", KARBASI, upsilon=0.0,
                              extra='[sweep]\nkey = "model.upsilon"\nvalues = [0.0, 0.4]')
            r = mnemo("sweep", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                ser = f["sweep/symbol_error_rate"][:]
                self.assertLess(ser[1], 0.5 * ser[0])

    def test_bad_input(self):
        with tempdir() as tmp:
            cases = [
                (SAVIN.replace('f = 0.1', 'f = 1.5'), "model.f"),
                (SAVIN.replace('f = 0.1', 'f = nan'), "model.f"),
                (SAVIN.replace('level = 0.036', 'level = 0.5'), "queries.level"),
                (SAVIN.replace('source = "model"', 'source = "random_binary"'), "memories.source"),
                (SAVIN.replace('level = 0.036', 'level = 0.036\ncorruption = "mask"'), "queries.corruption"),
                (KARBASI.replace('upsilon = {upsilon}', 'upsilon = -0.1'), "model.upsilon"),
                (KARBASI.replace('upsilon = {upsilon}', 'nu = -1'), "model.nu"),
                (KARBASI.replace('clusters = 15', 'clusters = 15\ncluster_degree = 16'), "model.cluster_degree"),
            ]
            for i, (text, key) in enumerate(cases):
                path, _ = write(tmp, "bad%d" % i, text, rule="simple_hebb", decoder="naive", count=20, upsilon=0.0)
                r = mnemo("run", path, "--quiet")
                self.assertEqual(r.returncode, 2, (key, r.stderr))
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertTrue(lines[0].startswith("mnemo: error: "), r.stderr)
                self.assertIn("'" + key + "'", lines[0])
            # An ODE kind cannot take source = "model".
            text = SAVIN.replace('kind = "savin"', 'kind = "modern_hopfield"')
            text = "\n".join(l for l in text.splitlines() if not l.startswith(("f =", "rule", "decoder")))
            path, _ = write(tmp, "ode", text, count=5)
            r = mnemo("run", path, "--quiet")
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("'memories.source'", r.stderr)


if __name__ == "__main__":
    unittest.main()
