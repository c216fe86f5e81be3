"""`mnemo analyze FILE.h5` end to end (issue 5, item 7; docs/analysis.md).

A classical Hopfield run (Hopfield 1984; N = 300, K = 15, alpha = 0.05, gain 10, seed 1) is
analyzed: every stored memory is a stable fixed point with |F| < 1e-8 and at least one spurious
mixture (Amit, Gutfreund & Sompolinsky 1985) is found and labelled, read back from /analysis with
h5py; the summary lines on stdout agree with the file. Running analyze again replaces /analysis
(options, shapes) and leaves the run's own datasets bit for bit as they were; the file stays
complete and readable by `mnemo info` and python/mnemo_h5. Bad input is one `mnemo: error:` line,
exit 2, and the file is not touched; a write that fails midway (file size limit) never leaves a
file that reads as complete with a half-written /analysis."""
import hashlib
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from clitools import MNEMO, config, mnemo, tempdir  # noqa: E402

import mnemo_h5  # noqa: E402

K, N = 15, 300
ANALYZE = ("--random-starts", "16", "--threads", "2")


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_datasets(path):
    """Every dataset outside /analysis, as bytes: what analyze must never change."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.startswith("analysis"):
                out[name] = obj[()].tobytes()
        f.visititems(visit)
        out["@attrs"] = repr(sorted((k, str(v)) for k, v in f.attrs.items() if k != "complete"))
    return out


class Analyze(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempdir()
        cfg, cls.pristine = config(cls.tmp.name, name="classical", kind="classical_hopfield", model="gain = 10.0",
                                   count=K, dim=N, queries=15, level=0.1, t_end=20.0)
        r = mnemo("run", cfg, "--quiet")
        assert r.returncode == 0, r.stderr
        cls.analyzed = os.path.join(cls.tmp.name, "analyzed.h5")
        shutil.copy(cls.pristine, cls.analyzed)
        cls.result = mnemo("analyze", cls.analyzed, *ANALYZE)
        assert cls.result.returncode == 0, cls.result.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def copy(self, source, name):
        path = os.path.join(self.tmp.name, name)
        shutil.copy(source, path)
        return path

    # ---- what it finds -------------------------------------------------------------------------
    def test_memories_are_stable_fixed_points_and_a_mixture_is_labelled(self):
        with h5py.File(self.analyzed, "r") as f:
            fp = f["analysis/fixed_points"]
            status, kind, stab = fp["status"][:], fp["kind"][:], fp["stability"][:]
            nearest, residual, index = fp["nearest"][:], fp["residual"][:], fp["index"][:]
            overlap, jre = fp["overlap"][:], fp["jacobian_eigenvalues_real"][:]
            fixed = status == 0
            self.assertTrue(np.all(residual[fixed] < 1e-8), residual[fixed].max())
            memory = fixed & (kind == 0)
            self.assertEqual(sorted(set(nearest[memory].tolist())), list(range(K)), "every memory found")
            self.assertTrue(np.all(stab[memory] == 0), "memories are stable")
            self.assertTrue(np.all(index[memory] == 0))
            self.assertTrue(np.all(overlap[memory] >= 0.95))
            self.assertTrue(np.all(jre[memory, 0] < 0), "largest real part of the Jacobian < 0 at a memory")
            mixture = fixed & (kind == 2)
            self.assertGreaterEqual(int(mixture.sum()), 1, "a spurious mixture state")
            self.assertTrue(np.all(np.isin(stab[mixture], [0, 1, 2])), "mixtures are labelled")
            self.assertTrue(np.all(index[mixture] >= 0))
            self.assertTrue(np.all(fp["mixture_size"][:][mixture] >= 2))
            # The label and the Jacobian agree: stable has no eigenvalue with positive real part.
            self.assertTrue(np.all((stab[fixed] == 0) <= (jre[fixed, 0] < 0)))
            a = f["analysis"].attrs
            self.assertEqual(a["memories_found"], K)
            self.assertEqual(a["memories_found_stable"], K)
            self.assertEqual(a["fixed_points"], int(fixed.sum()))
            self.assertEqual(a["stable"], int((stab[fixed] == 0).sum()))
            self.assertEqual(a["saddles"], int((stab[fixed] == 1).sum()))
            audit = f["analysis/energy_audit"]
            self.assertEqual(audit.attrs["passed"], 1)
            self.assertEqual(audit["max_increase"].shape, (15,))
            self.assertEqual(int(audit["violations"][:].sum()), 0)
            self.assertEqual(fp["state"].shape, (len(status), N))
            self.assertEqual(fp["hessian_eigenvalues"].shape, (len(status), 10))
            self.assertEqual([d.label for d in fp["jacobian_eigenvalues_real"].dims], ["fixed_point", "eigenvalue"])

    def test_summary_lines_agree_with_the_file(self):
        out = self.result.stdout
        lines = out.strip().splitlines()
        self.assertEqual(lines[0], f"{self.analyzed}: classical_hopfield, N = {N}, K = {K}, 15 trajectories")
        self.assertRegex(lines[1], r"^energy audit: passed - max increase .*, 0 violations")
        m = re.search(r"fixed points: (\d+) from (\d+) candidates \((\d+) stable, (\d+) saddles, (\d+) marginal\)", out)
        self.assertIsNotNone(m, out)
        self.assertIn(f"stored memories found as fixed points: {K} of {K} ({K} stable)", out)
        self.assertEqual(lines[-1], f"wrote /analysis to {self.analyzed}")
        with h5py.File(self.analyzed, "r") as f:
            a = f["analysis"].attrs
            self.assertEqual([int(g) for g in m.groups()],
                             [a["fixed_points"], a["candidates"], a["stable"], a["saddles"], a["marginal"]])
            # 15 end points + 15 memories + 16 exact and 16 relaxed random mixtures
            self.assertEqual(a["candidates"], 15 + K + 2 * 16)
        print(out)

    # ---- the file afterwards -------------------------------------------------------------------
    def test_file_stays_complete_and_readable(self):
        self.assertEqual(run_datasets(self.analyzed), run_datasets(self.pristine), "the run itself is unchanged")
        with h5py.File(self.analyzed, "r") as f:
            self.assertEqual(f.attrs["complete"], 1)
            self.assertNotIn("analysis_partial", f)
        info = mnemo("info", self.analyzed)
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertIn("analysis", info.stdout)
        run = mnemo_h5.load(self.analyzed)
        self.assertIsNotNone(run.analysis)
        self.assertEqual(run.analysis.fixed_points.stability.dims, ("fixed_point",))

    def test_running_twice_replaces_the_analysis(self):
        path = self.copy(self.analyzed, "twice.h5")
        r = mnemo("analyze", path, "--random-starts", "2", "--eigenvalues", "3", "--end-points", "5", "--quiet",
                  "--threads", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "", "--quiet prints nothing")
        with h5py.File(path, "r") as f:
            self.assertEqual(f.attrs["complete"], 1)
            self.assertNotIn("analysis_partial", f)
            a = f["analysis"]
            self.assertIn("end_points = 5; random_starts = 2", a.attrs["options"])
            self.assertEqual(a.attrs["candidates"], 5 + K + 2 * 2)
            P = a["fixed_points/state"].shape[0]
            self.assertEqual(a["fixed_points/hessian_eigenvalues"].shape, (P, 3))
            self.assertEqual(a["fixed_points/residual"].shape, (P,))
        self.assertEqual(run_datasets(path), run_datasets(self.pristine))
        self.assertEqual(mnemo("info", path).returncode, 0)
        mnemo_h5.load(path)

    # ---- bad input -----------------------------------------------------------------------------
    def assertBad(self, result, *fragments, code=2):
        self.assertGreaterEqual(result.returncode, 0, "killed by a signal")
        self.assertEqual(result.returncode, code, f"stdout={result.stdout!r} stderr={result.stderr!r}")
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("mnemo: error: "), lines[0])
        for frag in fragments:
            self.assertIn(frag, lines[0])
        self.assertEqual(result.stdout, "")

    def bad_file(self, name, edit, *fragments):
        path = self.copy(self.pristine, name)
        with h5py.File(path, "r+") as f:
            edit(f)
        before = digest(path)
        self.assertBad(mnemo("analyze", path), path, *fragments)
        self.assertEqual(digest(path), before, "the file is not touched")

    def test_file_without_trajectories(self):
        self.bad_file("notraj.h5", lambda f: f.__delitem__("trajectories"), "/trajectories")

    def test_incomplete_file(self):
        self.bad_file("incomplete.h5", lambda f: f.attrs.__setitem__("complete", 0), "incomplete")

    def test_missing_file(self):
        path = os.path.join(self.tmp.name, "absent.h5")
        self.assertBad(mnemo("analyze", path), path)
        self.assertFalse(os.path.exists(path))

    def test_not_hdf5(self):
        path = os.path.join(self.tmp.name, "text.h5")
        with open(path, "w") as f:
            f.write("seed = 1\n")
        self.assertBad(mnemo("analyze", path), path)
        with open(path) as f:
            self.assertEqual(f.read(), "seed = 1\n")

    def test_sweep_file(self):
        # A complete mnemo file of another kind: a sweep has no trajectories to analyze.
        with open(os.path.join(self.tmp.name, "classical.toml")) as f:
            text = f.read().replace("classical.h5", "sweep.h5")
        cfg = os.path.join(self.tmp.name, "sweep.toml")
        with open(cfg, "w") as f:
            f.write(text + '\n[sweep]\nkey = "memories.count"\nvalues = [3, 4]\n')
        out = os.path.join(self.tmp.name, "sweep.h5")
        r = mnemo("sweep", cfg, "--quiet", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        before = digest(out)
        self.assertBad(mnemo("analyze", out), out, "/trajectories")
        self.assertEqual(digest(out), before)

    def test_bad_options(self):
        path = self.copy(self.analyzed, "options.h5")
        before = digest(path)
        for args, fragment in [(("--eigenvalues", "0"), "--eigenvalues"), (("--tolerance", "-1"), "--tolerance"),
                               (("--tolerance", "nan"), "--tolerance"), (("--relax-time", "0"), "--relax-time"),
                               (("--random-starts", "-3"), "--random-starts"), (("--end-points", "-1"), "--end-points"),
                               (("--random-starts", "many"), "random-starts"), (("--threads", "-2"), "threads"),
                               (("--frobnicate",), "frobnicate")]:
            with self.subTest(args=args):
                self.assertBad(mnemo("analyze", path, *args), fragment)
                self.assertEqual(digest(path), before)
        self.assertBad(mnemo("analyze"), "file")

    def test_read_only_file(self):
        if os.geteuid() == 0:
            self.skipTest("root can write a read-only file")
        path = self.copy(self.pristine, "readonly.h5")
        os.chmod(path, 0o444)
        before = digest(path)
        self.assertBad(mnemo("analyze", path), path)
        self.assertEqual(digest(path), before)

    def test_write_failing_midway_never_reads_as_complete_with_half_an_analysis(self):
        # The file may grow by only 4 KiB: libhdf5's writes of the new tables fail with EFBIG
        # (SIGXFSZ ignored, so the write returns an error instead of killing the process). Exit 1
        # (not bad input), one line, no signal (libhdf5 1.10 crashes at exit on such a file unless
        # mnemo leaves without its atexit handler). Then either the run is restored (complete, its
        # previous /analysis, no /analysis_partial; measured here, although libhdf5 reports the
        # restoring flush as failed) or it is marked incomplete (complete = 0) and readers refuse
        # it; never complete with a half-written /analysis. The run's datasets are intact.
        path = self.copy(self.analyzed, "full.h5")
        with h5py.File(path, "r") as f:
            old_options = f["analysis"].attrs["options"]
        limit = os.path.getsize(path) + 4096

        def limit_size():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        r = subprocess.run([MNEMO, "analyze", path, "--random-starts", "0", "--end-points", "3", "--threads", "2"],
                           capture_output=True, text=True, timeout=300, preexec_fn=limit_size)
        self.assertBad(r, path, "writing /analysis failed", code=1)
        with h5py.File(path, "r") as f:
            complete = f.attrs["complete"]
            if complete == 1:
                self.assertNotIn("analysis_partial", f)
                self.assertEqual(f["analysis"].attrs["options"], old_options)
                self.assertEqual(f["analysis/fixed_points/state"].shape[1], N)
            else:
                self.assertEqual(complete, 0)
        self.assertEqual(run_datasets(path), run_datasets(self.pristine))
        if complete == 1:
            self.assertEqual(mnemo("info", path).returncode, 0)
            mnemo_h5.load(path)
        else:
            self.assertBad(mnemo("info", path), path, "incomplete")
            with self.assertRaises(mnemo_h5.IncompleteFileError):
                mnemo_h5.open(path)
            self.assertBad(mnemo("analyze", path), path, "incomplete")


if __name__ == "__main__":
    unittest.main()
