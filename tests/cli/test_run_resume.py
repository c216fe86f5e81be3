"""`mnemo run CONFIG --resume` (issue 9; cli/resume_command.cpp, io/run_resume.cpp): a run
interrupted by SIGINT (or killed by SIGKILL) is finished by integrating again only the
trajectories that had not finished, and the resumed file has the bits of an uninterrupted run —
every dataset and attribute except `created` and `wall_seconds`. An interrupted resume leaves the
file as it was. A complete file, a file of another config and a missing file are refused with one
error line (exit 2)."""
import os
import pty
import re
import signal
import subprocess
import sys
import time
import unittest

import h5py

sys.path.insert(0, os.path.dirname(__file__))
from clitools import MNEMO, mnemo, tempdir  # noqa: E402
from test_determinism import bits, contents  # noqa: E402

# About a second on one core; the trajectories converge between t = 19.75 and 23.25, so an
# interrupt at t = 20.5 (seen on the progress bar) leaves some finished and some not.
CONFIG = """seed = {seed}
[model]
kind = "modern_hopfield"
beta = 8.0
[memories]
source = "random_gaussian"
count = 400
dim = 64
normalize = "unit"
[queries]
count = 96
corruption = "gaussian"
level = 0.9
[integrate]
method = "dopri5"
rtol = 1e-8
atol = 1e-10
t_end = 40.0
dt_save = 0.25
converge_tol = 1e-7
[output]
path = "unused.h5"
"""


def write_config(tmp, name, seed=5):
    """The config text (stored in the file) does not depend on tmp: every run is given --out."""
    out = os.path.join(tmp, name + ".h5")
    cfg = os.path.join(tmp, name + ".toml")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(seed=seed))
    return cfg, out


def statuses(path):
    with h5py.File(path, "r") as f:
        return list(f["trajectories/status"][()]), int(f.attrs["complete"]), int(f.attrs.get("resumable", 0))


class RunResume(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempdir()
        cfg, out = write_config(cls.tmp.name, "reference")
        start = time.monotonic()
        r = mnemo("run", cfg, "--quiet", "--threads", "1", "--out", out)
        cls.duration = time.monotonic() - start
        assert r.returncode == 0, r.stderr
        cls.reference = contents(out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assertSameAsReference(self, path):
        data, attrs = contents(path)
        ref_data, ref_attrs = self.reference
        self.assertEqual(sorted(data), sorted(ref_data))
        for name, value in ref_data.items():
            self.assertEqual(bits(data[name]), bits(value), name)
        self.assertEqual(sorted(attrs), sorted(ref_attrs))
        for key, value in ref_attrs.items():
            self.assertEqual(bits(attrs[key]), bits(value), key)

    def assertRefused(self, result, *fragments):
        self.assertEqual(result.returncode, 2, result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("mnemo: error: "), lines[0])
        for frag in fragments:
            self.assertIn(frag, lines[0])

    def interrupt(self, args, fraction, sig=signal.SIGINT):
        """Starts mnemo with args, sends sig after fraction of the reference duration."""
        p = subprocess.Popen([MNEMO, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(max(0.05, fraction * self.duration))
        p.send_signal(sig)
        _, err = p.communicate(timeout=120)
        return p.returncode, err

    def interrupt_at(self, args, t_model):
        """Starts mnemo on a terminal, sends SIGINT once its progress bar shows t >= t_model."""
        master, slave = pty.openpty()
        p = subprocess.Popen([MNEMO, *args], stdout=slave, stderr=subprocess.PIPE, text=True)
        os.close(slave)
        seen = b""
        try:
            while True:
                chunk = os.read(master, 4096)
                if not chunk:
                    break
                seen += chunk
                shown = re.findall(rb"t = ([0-9.e+-]+)", seen)
                if shown and float(shown[-1]) >= t_model:
                    p.send_signal(signal.SIGINT)
                    break
            while os.read(master, 4096):
                pass
        except OSError:  # the terminal closed: mnemo ended
            pass
        os.close(master)
        _, err = p.communicate(timeout=120)
        return p.returncode, err

    def interrupted_file(self, tmp, name):
        """A file interrupted by SIGINT with some trajectories finished and some not."""
        cfg, out = write_config(tmp, name)
        for t_model in (20.25, 20.0, 19.75, 20.5, 20.0):
            code, err = self.interrupt_at(["run", cfg, "--threads", "1", "--out", out], t_model)
            if code == 0:
                continue  # finished before the signal took effect (a busy machine): try again
            self.assertEqual(code, 1, err)
            self.assertIn("--resume", err)
            status, complete, resumable = statuses(out)
            self.assertEqual((complete, resumable), (0, 1))
            finished = sum(s in (1, 2, 3) for s in status)
            if 0 < finished < len(status):
                return cfg, out, finished
        self.fail("no interrupt left some trajectories finished and others not")

    def test_sigint_then_resume_gives_the_uninterrupted_bits(self):
        with tempdir() as tmp:
            cfg, out, finished = self.interrupted_file(tmp, "run")
            r = mnemo("run", cfg, "--resume", "--threads", "2", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"{finished} of 96 trajectories taken from", r.stdout)
            self.assertFalse(os.path.exists(out + ".resume"))
            self.assertSameAsReference(out)

    def test_interrupted_resume_leaves_the_file_resumable(self):
        with tempdir() as tmp:
            cfg, out, _ = self.interrupted_file(tmp, "run")
            before = contents(out)
            code, err = self.interrupt(["run", cfg, "--resume", "--quiet", "--threads", "1", "--out", out], 0.2)
            if code != 0:  # the resume was still running
                self.assertEqual(code, 1, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertFalse(os.path.exists(out + ".resume"))
                after = contents(out)
                for name, value in before[0].items():
                    self.assertEqual(bits(after[0][name]), bits(value), name)
            r = mnemo("run", cfg, "--resume", "--quiet", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertSameAsReference(out)

    def test_sigkill_then_resume(self):
        # A killed run never wrote its per-trajectory results: all are integrated again (or a file
        # HDF5 cannot open is refused); either way never a wrong file.
        with tempdir() as tmp:
            cfg, out = write_config(tmp, "run")
            outcomes = []
            for fraction in (0.3, 0.6):
                code, _ = self.interrupt(["run", cfg, "--quiet", "--threads", "1", "--out", out], fraction, signal.SIGKILL)
                if code == 0:
                    continue
                self.assertEqual(code, -signal.SIGKILL)
                r = mnemo("run", cfg, "--resume", "--out", out)
                if r.returncode == 2:
                    self.assertRefused(r)
                    outcomes.append("refused")
                    continue
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("0 of 96 trajectories taken from", r.stdout)
                self.assertSameAsReference(out)
                outcomes.append("resumed")
            self.assertIn("resumed", outcomes)

    def test_refusals(self):
        with tempdir() as tmp:
            cfg, out = write_config(tmp, "run")
            self.assertRefused(mnemo("run", cfg, "--resume", "--out", out), "no file to resume")
            self.assertEqual(mnemo("run", cfg, "--quiet", "--out", out).returncode, 0)
            self.assertRefused(mnemo("run", cfg, "--resume", "--out", out), "complete")
            # another config (other seed) against an interrupted file of this one
            _, interrupted, _ = self.interrupted_file(tmp, "half")
            other, _ = write_config(tmp, "other", seed=6)
            self.assertRefused(mnemo("run", other, "--resume", "--out", interrupted), "different config")
            # not an HDF5 file at all
            junk = os.path.join(tmp, "junk.h5")
            with open(junk, "w") as f:
                f.write("not hdf5")
            self.assertRefused(mnemo("run", cfg, "--resume", "--out", junk))


if __name__ == "__main__":
    unittest.main()
