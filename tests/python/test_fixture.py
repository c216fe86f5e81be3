"""A file written by an earlier mnemo stays readable: tests/data/run_v1_0.h5 (schema 1.0, written
by mnemo 0.1.0 from tests/data/run_v1_0.toml: classical Hopfield, K = 3, N = 16, B = 3 cues,
T = 9 saved times) is read by python/mnemo_h5 and by `mnemo info`, and today's writer still
writes every dataset, axis name and attribute that file has (contract: extend, never break)."""
import os
import shutil
import sys
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from clitools import SOURCE, mnemo, tempdir  # noqa: E402

import mnemo_h5  # noqa: E402

FIXTURE = os.path.join(SOURCE, "tests", "data", "run_v1_0.h5")
CONFIG = os.path.join(SOURCE, "tests", "data", "run_v1_0.toml")


def layout(path):
    """{dataset path: (axis labels, units, has description)} and {group path: attribute names}."""
    sets, attrs = {}, {}
    with h5py.File(path, "r") as f:
        attrs["/"] = set(f.attrs)

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                sets[name] = (tuple(d.label for d in obj.dims), obj.attrs.get("units"), "description" in obj.attrs)
            else:
                attrs[name] = set(obj.attrs)
        f.visititems(visit)
    return sets, attrs


class Fixture(unittest.TestCase):
    def test_reader_reads_it(self):
        r = mnemo_h5.load(FIXTURE)
        self.assertEqual(r.schema_version, "1.0")
        self.assertEqual(r.mnemo_version, "0.1.0")
        self.assertEqual(r.seed, 7)
        self.assertEqual(r.model_kind, "classical_hopfield")
        self.assertEqual(r.dims, {"trajectory": 3, "time": 9, "neuron": 16, "memory": 3})
        self.assertEqual(r.state.dims, ("trajectory", "time", "neuron"))
        self.assertEqual(r.layers["feature"].dims, ("trajectory", "time", "neuron"))
        np.testing.assert_allclose(r.time.values, np.arange(9) * 0.25)
        with open(CONFIG) as f:
            self.assertEqual(r.config, f.read())
        # Its numbers still mean what they meant: g = tanh(gain u); overlaps are cosines with targets.
        gain = r.params["gain"]
        np.testing.assert_allclose(r.state.values, np.tanh(gain * r.layers["feature"].values), atol=1e-12)
        X, fin, tgt = r.memories.values, r.final.values, r.recall.target.values
        cos = np.sum(fin * X[tgt], axis=1) / np.linalg.norm(fin, axis=1) / np.linalg.norm(X[tgt], axis=1)
        np.testing.assert_allclose(r.recall.overlap.values, cos, atol=1e-12)
        self.assertTrue(np.all(np.abs(X) == 1.0))  # random_binary memories

    def test_mnemo_info_reads_it(self):
        r = mnemo("info", FIXTURE)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn("schema 1.0", out)
        self.assertIn("classical_hopfield", out)
        self.assertRegex(out, r"dimensions: .*trajectory 3")
        self.assertIn("state(trajectory, time, neuron)", out)
        self.assertLessEqual(len(out.splitlines()), 15)  # a few lines

    def test_todays_writer_keeps_everything_the_fixture_has(self):
        with tempdir() as tmp:
            cfg = os.path.join(tmp, "run_v1_0.toml")
            shutil.copy(CONFIG, cfg)
            out = os.path.join(tmp, "now.h5")
            r = mnemo("run", cfg, "--quiet", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            old_sets, old_attrs = layout(FIXTURE)
            new_sets, new_attrs = layout(out)
            for name, (labels, units, described) in old_sets.items():
                self.assertIn(name, new_sets, f"dataset /{name} of schema 1.0 is gone")
                self.assertEqual(new_sets[name][0], labels, f"/{name}: axis names changed")
                self.assertEqual(new_sets[name][1], units, f"/{name}: units changed")
                self.assertTrue(new_sets[name][2] or not described, f"/{name}: description gone")
            for group, names in old_attrs.items():
                self.assertLessEqual(names, new_attrs.get(group, set()), f"attributes of {group} gone")
            # Same config, same seed: the shapes agree too.
            with h5py.File(FIXTURE, "r") as a, h5py.File(out, "r") as b:
                for name in old_sets:
                    self.assertEqual(a[name].shape, b[name].shape, name)


if __name__ == "__main__":
    unittest.main()
