"""`mpirun -n P mnemo run` (issue 11; cli/mpi_run.cpp, docs/scaling.md): the trajectories of one
ensemble split over ranks in batches give a run file whose every dataset and attribute (`created`
and `wall_seconds` excepted) has the same bits as one process — deterministic dopri5 with early
stopping, and `[noise]` (each trajectory's noise stream keyed by its index, never by rank or batch);
a bad config, batched dynamics (whose bits depend on the rows integrated together) or an output
that cannot be created is one error line (exit 2), not one per rank; a
rank killed mid-run fails the job and leaves a file marked incomplete that `mnemo info` refuses.
Skipped only when mnemo was built without MPI (MNEMO_MPI=OFF)."""
import os
import re
import signal
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from clitools import MNEMO, config, mnemo, tempdir  # noqa: E402
from test_determinism import bits, contents  # noqa: E402

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1")
# vader's single-copy (CMA) needs ptrace rights that containers often withhold.
MPIRUN = ["mpirun", "--oversubscribe", "--mca", "btl_vader_single_copy_mechanism", "none"]


def mpirun(*args, ranks=2, timeout=120):
    return subprocess.run([*MPIRUN, "-n", str(ranks), MNEMO, *args], capture_output=True, text=True,
                          timeout=timeout, env=ENV)


class MpiRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if "(MPI)" not in mnemo("--version").stdout:
            raise unittest.SkipTest("mnemo was built without MPI (MNEMO_MPI=OFF): `mpirun mnemo run` is not tested")
        if shutil.which("mpirun") is None:
            raise AssertionError("mnemo was built with MPI but there is no mpirun on PATH (Debian: openmpi-bin)")

    def check(self, name, ranks=(2,), **kw):
        with tempdir() as tmp:
            cfg, _ = config(tmp, name=name, **kw)
            single = os.path.join(tmp, name + "-1.h5")
            r = mnemo("run", cfg, "--quiet", "--out", single, "--threads", "1")
            self.assertEqual(r.returncode, 0, r.stderr)
            ref_data, ref_attrs = contents(single)
            self.assertIn("trajectories/state", ref_data)
            for p in ranks:
                out = os.path.join(tmp, f"{name}-{p}.h5")
                r = mpirun("run", cfg, "--out", out, ranks=p)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                m = re.search(r"over %d MPI ranks in (\d+) batches" % p, r.stdout)
                self.assertIsNotNone(m, r.stdout)
                self.assertGreaterEqual(int(m.group(1)), 2 * p, r.stdout)  # several batches per rank
                data, attrs = contents(out)
                self.assertEqual(sorted(data), sorted(ref_data))
                for path, value in ref_data.items():
                    self.assertEqual(bits(data[path]), bits(value), f"{name}, {p} ranks: {path}")
                self.assertEqual(sorted(attrs), sorted(ref_attrs))
                for key, value in ref_attrs.items():
                    self.assertEqual(bits(attrs[key]), bits(value), f"{name}, {p} ranks: {key}")
                info = mnemo("info", out)
                self.assertEqual(info.returncode, 0, info.stderr)
            return ref_data, ref_attrs

    def test_dopri5_same_bits_on_two_and_three_ranks(self):
        # 37 queries: uneven batches; the classical network's feature layer (tanh) in
        # /trajectories/layers; early stopping on, so trajectories differ in cost and t_stop.
        data, attrs = self.check("classical", ranks=(2, 3), kind="classical_hopfield", model="gain = 4.0", count=5,
                                 dim=40, queries=37, level=0.3, t_end=20.0, dt_save=1.0,
                                 integrate="converge_tol = 1e-3")
        self.assertTrue(any(k.startswith("trajectories/layers/") for k in data), sorted(data))
        self.assertEqual(attrs["trajectories@energy_audit"], "passed")
        self.assertLess(data["trajectories/t_stop"].min(), 20.0)  # some stopped early

    def test_noise_same_bits(self):
        # Different trajectories draw different noise (the streams are keyed by trajectory index):
        # identical cues (level 0) would otherwise end identically.
        data, attrs = self.check("noise", method="rk4", integrate="dt = 0.05\nconverge_tol = 0.0\n[noise]\nsigma = 0.2", count=6, dim=25,
                                 queries=23, level=0.0, t_end=2.0)
        self.assertEqual(attrs["trajectories@energy_audit"], "not applicable (stochastic)")
        final, target = data["trajectories/final"], data["recall/target"]
        same = [b for b in range(1, len(target)) if target[b] == target[0]]
        self.assertTrue(same, target)
        for b in same:
            self.assertFalse((final[b] == final[0]).all(), "trajectories 0 and %d drew the same noise" % b)

    def test_bad_config_or_output_is_one_error_line(self):
        with tempdir() as tmp:
            bad, _ = config(tmp, name="bad", queries=-3)
            good, _ = config(tmp, name="good")
            batched, _ = config(tmp, name="batched", integrate="batch = true")
            self.assertEqual(mnemo("validate", batched).returncode, 0)
            for args, key in (((bad,), "queries.count"), ((batched,), "integrate.batch"),
                              ((good, "--out", os.path.join(tmp, "missing", "x.h5")), "cannot create")):
                r = mpirun("run", *args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                # mpirun may interleave its own banner with a rank's line: count, then look for the key.
                self.assertEqual(r.stderr.count("mnemo: error:"), 1, r.stderr)
                self.assertIn(key, r.stderr)

    def test_killed_rank_leaves_an_incomplete_file(self):
        with tempdir() as tmp:
            cfg, out = config(tmp, name="kill", kind="classical_hopfield", model="gain = 100.0", count=20, dim=200,
                              queries=1000, level=0.1, rtol=1e-5, t_end=80.0, dt_save=2.0)
            job = subprocess.Popen([*MPIRUN, "-n", "2", MNEMO, "run", cfg], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=ENV)
            deadline = time.monotonic() + 30
            while not os.path.exists(out) and time.monotonic() < deadline and job.poll() is None:
                time.sleep(0.02)
            # ~3 s of integration in one process: rank 1 dies well before the end.
            time.sleep(0.3)
            self.assertIsNone(job.poll(), "the run ended before a rank could be killed; make it longer")
            victim = None
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open("/proc/%s/stat" % pid) as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    with open("/proc/%s/environ" % pid, "rb") as f:
                        env = f.read().split(b"\0")
                except OSError:
                    continue
                if ppid == job.pid and b"OMPI_COMM_WORLD_RANK=1" in env:
                    victim = int(pid)
            self.assertIsNotNone(victim, "rank 1 not found among mpirun's children")
            os.kill(victim, signal.SIGKILL)
            stdout, stderr = job.communicate(timeout=60)
            self.assertNotEqual(job.returncode, 0, stdout + stderr)
            self.assertRegex(stderr, r"rank 1 .*(signal 9|Killed)", stderr)
            info = mnemo("info", out)
            self.assertEqual(info.returncode, 2, info.stdout + info.stderr)
            self.assertIn("incomplete", info.stderr)


if __name__ == "__main__":
    unittest.main()
