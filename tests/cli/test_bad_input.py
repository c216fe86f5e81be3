"""Bad input gets one line `mnemo: error: ...` naming the file and the key, line or dataset,
exit status 2, no signal, and never a file that reads as complete (contract section 2)."""
import os
import sys
import unittest

import h5py

sys.path.insert(0, os.path.dirname(__file__))
from clitools import config, mnemo, tempdir  # noqa: E402


class BadInput(unittest.TestCase):
    def assertBad(self, result, *fragments):
        self.assertEqual(result.returncode, 2, f"stdout={result.stdout!r} stderr={result.stderr!r}")
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("mnemo: error: "), lines[0])
        for frag in fragments:
            self.assertIn(frag, lines[0])

    def assertNoCompleteFile(self, path):
        if not os.path.exists(path):
            return
        try:
            with h5py.File(path, "r") as f:
                self.assertNotEqual(f.attrs.get("complete", 0), 1, path)
        except OSError:
            pass  # unreadable is fine: it does not read as complete

    def run_config(self, text_edit, *fragments, **kw):
        with tempdir() as tmp:
            cfg, out = config(tmp, **kw)
            with open(cfg) as f:
                text = f.read()
            for old, new in text_edit:
                self.assertIn(old, text)
                text = text.replace(old, new)
            with open(cfg, "w") as f:
                f.write(text)
            r = mnemo("run", cfg)
            self.assertBad(r, cfg, *fragments)
            self.assertNoCompleteFile(out)
            v = mnemo("validate", cfg)
            self.assertBad(v, cfg, *fragments)

    def test_missing_config(self):
        r = mnemo("run", "/nonexistent/none.toml")
        self.assertBad(r, "/nonexistent/none.toml")

    def test_malformed_toml_names_the_line(self):
        self.run_config([("[queries]", "[queries\n")], ":12:", "malformed TOML")

    def test_unknown_key(self):
        self.run_config([("level = 0.2", "level = 0.2\nlevle = 0.3")], "queries.levle", "unknown key")

    def test_unknown_model_kind(self):
        self.run_config([('kind = "modern_hopfield"', 'kind = "hopfield9000"')], "model.kind", "hopfield9000")

    def test_zero_and_negative_sizes(self):
        self.run_config([("count = 5", "count = 0")], "memories.count", ">= 1")
        self.run_config([("dim = 20", "dim = -3")], "memories.dim", ">= 1")
        self.run_config([("count = 4", "count = -1")], "queries.count", ">= 1")

    def test_nan_and_inf(self):
        self.run_config([("beta = 8.0", "beta = nan")], "model.beta", "finite")
        self.run_config([("rtol = 1e-06", "rtol = inf")], "integrate.rtol", "finite")
        self.run_config([("level = 0.2", "level = -inf")], "queries.level", "finite")
        self.run_config([("beta = 8.0", "beta = 1e400")], "model.beta", "range of a double")
        self.run_config([("rtol = 1e-06", "rtol = -1e999")], "integrate.rtol", "range of a double")

    def test_bad_parameter_values(self):
        self.run_config([("beta = 8.0", "beta = -2.0")], "model.beta", "> 0")
        self.run_config([("beta = 8.0", "beta = 0")], "model.beta", "> 0")
        self.run_config([('method = "dopri5"', 'method = "rk45"')], "integrate.method", "dopri5")

    def test_dimension_mismatch_of_a_dataset(self):
        with tempdir() as tmp:
            cfg, out = config(tmp, count=4, dim=10)
            self.assertEqual(mnemo("run", cfg, "--quiet").returncode, 0)
            cfg2, out2 = config(tmp, name="again", count=4, dim=12)
            with open(cfg2) as f:
                text = f.read().replace('source = "random_binary"', f'source = "hdf5"\npath = "{out}"')
            with open(cfg2, "w") as f:
                f.write(text)
            self.assertBad(mnemo("run", cfg2), cfg2, "memories.dim", "10 columns")
            self.assertNoCompleteFile(out2)

    def test_unwritable_output_path(self):
        with tempdir() as tmp:
            cfg, _ = config(tmp)
            r = mnemo("run", cfg, "--out", "/nonexistent-dir/sub/x.h5")
            self.assertBad(r, "/nonexistent-dir/sub/x.h5")

    def test_bad_usage(self):
        self.assertBad(mnemo("run"), "config")
        self.assertBad(mnemo("frobnicate"))
        self.assertBad(mnemo("run", "a.toml", "--threads", "-2"))

    def test_info_refuses_bad_files(self):
        with tempdir() as tmp:
            missing = os.path.join(tmp, "missing.h5")
            self.assertBad(mnemo("info", missing), missing)
            empty = os.path.join(tmp, "empty.h5")
            open(empty, "w").close()
            self.assertBad(mnemo("info", empty), empty)
            text = os.path.join(tmp, "text.h5")
            with open(text, "w") as f:
                f.write("this is not HDF5\n" * 100)
            self.assertBad(mnemo("info", text), text, "not an HDF5 file")
            cfg, out = config(tmp, count=5, dim=20, queries=20)
            self.assertEqual(mnemo("run", cfg, "--quiet").returncode, 0)
            with open(out, "rb") as f:
                data = f.read()
            trunc = os.path.join(tmp, "trunc.h5")
            with open(trunc, "wb") as f:
                f.write(data[: len(data) // 2])
            self.assertBad(mnemo("info", trunc), trunc)
            with h5py.File(out, "r+") as f:
                f.attrs["complete"] = 0
            self.assertBad(mnemo("info", out), out, "incomplete")
            other = os.path.join(tmp, "other.h5")
            with h5py.File(other, "w") as f:
                f["x"] = [1, 2, 3]
            self.assertBad(mnemo("info", other), other, "not a mnemo file")

    def test_help_and_version(self):
        r = mnemo("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("run", r.stdout)
        v = mnemo("--version")
        self.assertEqual(v.returncode, 0)
        self.assertRegex(v.stdout, r"mnemo \d+\.\d+\.\d+")


if __name__ == "__main__":
    unittest.main()
