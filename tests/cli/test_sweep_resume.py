"""`mnemo sweep --resume` in one process (issue 11; io/sweep_file.cpp): an interrupted sweep file is
finished by computing only the points it lacks, with the same bits as an uninterrupted run; a row
whose stored numbers no longer match /sweep/checksum (a write torn by a crash) is computed again;
a complete file, a file of another config or grid, and a file that is not a sweep file are refused
with one error line (exit 2)."""
import os
import signal
import subprocess
import sys
import time
import unittest

import h5py

sys.path.insert(0, os.path.dirname(__file__))
from clitools import MNEMO, mnemo, tempdir, write_sweep  # noqa: E402


NOT_COMPARED = {"wall_seconds", "rank"}


def write(tmp, name, **kw):
    p = dict(seed=4, count=10, dim=100, queries=20, level=0.1, values="[4, 8, 12, 16, 20]")
    p.update(kw)
    return write_sweep(tmp, name, **p)


class Resume(unittest.TestCase):
    def assertSame(self, one, two):
        with h5py.File(one) as a, h5py.File(two) as b:
            self.assertEqual(b.attrs["complete"], 1)
            for name, x in a["sweep"].items():
                if name in NOT_COMPARED or not isinstance(x, h5py.Dataset):
                    continue
                self.assertEqual(x[()].tobytes(), b["sweep"][name][()].tobytes(), name)

    def assertRefused(self, r, *words):
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("mnemo: error: "), r.stderr)
        for w in words:
            self.assertIn(w, lines[0])

    def test_interrupted_sweep_is_finished_with_the_same_bits(self):
        with tempdir() as tmp:
            path, out = write(tmp, "slow", dim=300, queries=100, values="[10, 15, 20, 25, 30, 35, 40]")
            ref = os.path.join(tmp, "ref.h5")
            t0 = time.monotonic()
            r = mnemo("sweep", path, "--out", ref, "--quiet")
            serial = time.monotonic() - t0
            self.assertEqual(r.returncode, 0, r.stderr)
            job = subprocess.Popen([MNEMO, "sweep", path, "--quiet"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
            time.sleep(0.5 * serial)
            job.send_signal(signal.SIGINT)
            _, err = job.communicate(timeout=60)
            self.assertEqual(job.returncode, 1, err)
            self.assertIn("--resume", err)
            with h5py.File(out) as f:
                self.assertEqual(f.attrs["complete"], 0)
                done = int(f["sweep/done"][()].sum())
            self.assertGreater(done, 0)
            self.assertLess(done, 7)
            r = mnemo("sweep", path, "--resume")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("%d of 7 points resumed from the file" % done, r.stdout)
            self.assertSame(ref, out)

    def test_torn_row_is_computed_again(self):
        with tempdir() as tmp:
            path, out = write(tmp, "torn")
            ref = os.path.join(tmp, "ref.h5")
            self.assertEqual(mnemo("sweep", path, "--out", ref, "--quiet").returncode, 0)
            self.assertEqual(mnemo("sweep", path, "--quiet").returncode, 0)
            with h5py.File(out, "r+") as f:
                f.attrs["complete"] = 0          # as if the process died before the end
                f["sweep/overlap"][2, 3] += 0.5  # and row 2 reached the disk only in part
                f["sweep/done"][4] = 0           # and row 4 never did
            r = mnemo("sweep", path, "--resume")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("3 of 5 points resumed from the file", r.stdout)
            self.assertSame(ref, out)

    def test_refusals(self):
        with tempdir() as tmp:
            path, out = write(tmp, "done")
            self.assertEqual(mnemo("sweep", path, "--quiet").returncode, 0)
            self.assertRefused(mnemo("sweep", path, "--resume"), out, "already complete")
            with h5py.File(out, "r+") as f:
                f.attrs["complete"] = 0
            other, _ = write(tmp, "other", values="[4, 8, 12]")
            self.assertRefused(mnemo("sweep", other, "--out", out, "--resume"), "different config")
            self.assertRefused(mnemo("sweep", path, "--out", os.path.join(tmp, "missing.h5"), "--resume"),
                               "cannot resume")
            plain = os.path.join(tmp, "plain.h5")
            with h5py.File(plain, "w") as f:
                f["x"] = [1, 2, 3]
            self.assertRefused(mnemo("sweep", path, "--out", plain, "--resume"), "not a sweep file")


if __name__ == "__main__":
    unittest.main()
