"""`mpirun -n 2 mnemo sweep` (issue 11; cli/mpi_sweep.cpp, docs/scaling.md): grid points spread
over two ranks give the same bits in every /sweep dataset as one process (streams are keyed by the
point's config and seed, never by rank); both ranks really compute; a rank killed mid-run fails the
whole job and leaves the file incomplete, and `mnemo sweep --resume` (under mpirun) finishes only
the missing points with the same bits; a bad config is one error line, not one per rank; commands
other than sweep and run (test_mpi_run.py) refuse to run as several ranks.
Skipped only when mnemo was built without MPI (MNEMO_MPI=OFF)."""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clitools import CLASSICAL_SWEEP, MNEMO, mnemo, tempdir  # noqa: E402

CLASSICAL = CLASSICAL_SWEEP.replace("{seed}", "5").replace("{count}", "10").replace("{level}", "0.1")

SAVIN = textwrap.dedent("""\
    seed = 2
    [model]
    kind = "savin"
    f = 0.1
    rule = "simple_hebb"
    decoder = "naive"
    [memories]
    source = "model"
    count = 20
    dim = 400
    [queries]
    count = 4
    level = 0.036
    [integrate]
    t_end = 40
    [output]
    path = "{out}"
    [sweep]
    key = "memories.count"
    values = [20, 60, 120, 200]
    """)

# Not compared: the clock and the rank that computed each point (0 in one process).
NOT_COMPARED = {"wall_seconds", "rank"}
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1")


def mpirun(*args, ranks=2, timeout=120):
    # vader's single-copy (CMA) needs ptrace rights that containers often withhold; copy-in/out
    # works everywhere and changes no result.
    cmd = ["mpirun", "-n", str(ranks), "--oversubscribe", "--mca", "btl_vader_single_copy_mechanism", "none",
           MNEMO, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)


def write(tmp, name, template, **kw):
    out = os.path.join(tmp, name + ".h5")
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(template.format(out=out, **kw))
    return path, out


def datasets(group, prefix=""):
    found = {}
    for k, v in group.items():
        if isinstance(v, h5py.Group):
            found.update(datasets(v, prefix + k + "/"))
        else:
            found[prefix + k] = v
    return found


class Mpi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        v = mnemo("--version")
        if "(MPI)" not in v.stdout:
            raise unittest.SkipTest("mnemo was built without MPI (MNEMO_MPI=OFF; install libopenmpi-dev and "
                                    "reconfigure): the MPI sweep is not tested")
        if shutil.which("mpirun") is None:
            raise AssertionError("mnemo was built with MPI but there is no mpirun on PATH (Debian: openmpi-bin)")

    def assertSameSweep(self, one, many):
        with h5py.File(one) as a, h5py.File(many) as b:
            self.assertEqual(a.attrs["complete"], 1)
            self.assertEqual(b.attrs["complete"], 1)
            for name in ("config", "seed", "schema_version", "mnemo_version"):
                self.assertEqual(a.attrs[name], b.attrs[name], name)
            da, db = datasets(a["sweep"]), datasets(b["sweep"])
            self.assertEqual(sorted(da), sorted(db))
            for name, x in da.items():
                if name in NOT_COMPARED:
                    continue
                y = db[name]
                self.assertEqual(x.dtype, y.dtype, name)
                self.assertEqual(x.shape, y.shape, name)
                self.assertEqual(x[()].tobytes(), y[()].tobytes(), "/sweep/" + name + " differs")
            for k, v in a["sweep"].attrs.items():
                self.assertEqual(np.asarray(v).tobytes(), np.asarray(b["sweep"].attrs[k]).tobytes(), k)
            return b["sweep/rank"][()]

    def test_two_ranks_give_the_same_bits(self):
        with tempdir() as tmp:
            for name, key, values in (("capacity", "memories.count", "[4, 8, 12, 16, 20, 24, 28]"),
                                      ("basins", "queries.level", "[0.0, 0.1, 0.2, 0.3, 0.4]")):
                path, out = write(tmp, name, CLASSICAL, dim=100, queries=20, key=key, values=values)
                single = os.path.join(tmp, name + "_1.h5")
                r = mnemo("sweep", path, "--out", single, "--threads", "1", "--quiet")
                self.assertEqual(r.returncode, 0, r.stderr)
                r = mpirun("sweep", path, "--out", out)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("over 2 MPI ranks", r.stdout)
                ranks = self.assertSameSweep(single, out)
                # Both ranks computed points (rank 1 gets the first one, rank 0 the second).
                self.assertEqual(sorted(set(ranks.tolist())), [0, 1], ranks)
                info = mnemo("info", out)
                self.assertEqual(info.returncode, 0, info.stderr)
                self.assertIn("complete", info.stdout)
                if name == "basins":
                    with h5py.File(out) as f:
                        self.assertIn("basins", f["sweep"])

    def test_discrete_kind_metrics_travel_between_ranks(self):
        with tempdir() as tmp:
            path, out = write(tmp, "savin", SAVIN)
            single = os.path.join(tmp, "savin_1.h5")
            r = mnemo("sweep", path, "--out", single, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            r = mpirun("sweep", path, "--out", out, "--quiet")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertSameSweep(single, out)
            with h5py.File(out) as f:
                self.assertIn("symbol_error_rate", f["sweep"])

    def test_killed_rank_fails_the_job_and_resume_finishes_it(self):
        with tempdir() as tmp:
            path, out = write(tmp, "kill", CLASSICAL, dim=250, queries=100, key="memories.count",
                              values="[10, 15, 20, 25, 30, 35, 40, 45]")
            single = os.path.join(tmp, "kill_1.h5")
            t0 = time.monotonic()
            r = mnemo("sweep", path, "--out", single, "--threads", "1", "--quiet")
            serial = time.monotonic() - t0
            self.assertEqual(r.returncode, 0, r.stderr)

            cmd = ["mpirun", "-n", "2", "--oversubscribe", "--mca", "btl_vader_single_copy_mechanism", "none",
                   MNEMO, "sweep", path, "--out", out, "--quiet"]
            job = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
            deadline = time.monotonic() + 30
            while not os.path.exists(out) and time.monotonic() < deadline and job.poll() is None:
                time.sleep(0.02)
            # A quarter of the one-process time after rank 0 made the file: well before the end
            # (two ranks need about half of it).
            time.sleep(0.25 * serial)
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

            r = mpirun("sweep", path, "--out", out, "--resume")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertRegex(r.stdout, r"\d+ of 8 points resumed from the file")
            self.assertSameSweep(single, out)
            again = mpirun("sweep", path, "--out", out, "--resume")
            self.assertEqual(again.returncode, 2, again.stderr)
            self.assertIn("already complete", again.stderr)

    def test_other_commands_refuse_several_ranks(self):
        # Only `mnemo sweep` and `mnemo run` split over ranks (test_mpi_run.py); P copies of
        # `mnemo analyze` would write to one file.
        with tempdir() as tmp:
            path, out = write(tmp, "run", CLASSICAL, dim=100, queries=20, key="memories.count", values="[4]")
            r = mnemo("run", path, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out, "rb") as f:
                before = f.read()
            r = mpirun("analyze", out)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            lines = [line for line in r.stderr.splitlines() if line.startswith("mnemo: error:")]
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn("only `mnemo sweep` and `mnemo run` run over MPI ranks", lines[0])
            with open(out, "rb") as f:
                self.assertEqual(f.read(), before)

    def test_bad_config_is_one_error_line(self):
        with tempdir() as tmp:
            path, _ = write(tmp, "bad", CLASSICAL, dim=100, queries=20, key="memories.count", values="[4, -8]")
            r = mpirun("sweep", path)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            lines = [line for line in r.stderr.splitlines() if line.startswith("mnemo: error:")]
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn("memories.count", lines[0])


if __name__ == "__main__":
    unittest.main()
