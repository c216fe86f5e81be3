"""Shared helpers for the Python checks of the `mnemo` command (run by ctest)."""
import os
import subprocess
import tempfile
import textwrap

MNEMO = os.environ.get("MNEMO_BIN") or os.path.join(os.path.dirname(__file__), "..", "..", "build", "cli", "mnemo")
SOURCE = os.environ.get("MNEMO_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")

BASE = textwrap.dedent("""\
    seed = {seed}

    [model]
    kind = "{kind}"
    {model}

    [memories]
    source = "random_binary"
    count = {count}
    dim = {dim}

    [queries]
    from = "memories"
    count = {queries}
    corruption = "flip"
    level = {level}

    [integrate]
    method = "{method}"
    rtol = {rtol}
    atol = {atol}
    t_end = {t_end}
    dt_save = {dt_save}
    {integrate}

    [output]
    path = "{out}"
    """)


def config(tmp, name="run", **kw):
    """Write a config into directory `tmp`; returns (config path, output path)."""
    p = dict(seed=1, kind="modern_hopfield", model="beta = 8.0", count=5, dim=20, queries=4, level=0.2,
             method="dopri5", rtol=1e-6, atol=1e-8, t_end=5.0, dt_save=0.5, integrate="")
    p.update(kw)
    out = os.path.join(tmp, name + ".h5")
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(BASE.format(out=out, **p))
    return path, out


def mnemo(*args, timeout=300):
    return subprocess.run([MNEMO, *args], capture_output=True, text=True, timeout=timeout)


def tempdir():
    return tempfile.TemporaryDirectory(prefix="mnemo-test-")


# A classical Hopfield sweep (gain 100, dopri5, converge stop), the shared base of the sweep, resume
# and MPI tests; placeholders seed, count, dim, queries, level, out, key, values.
CLASSICAL_SWEEP = textwrap.dedent("""\
    seed = {seed}

    [model]
    kind = "classical_hopfield"
    gain = 100.0

    [memories]
    source = "random_binary"
    count = {count}
    dim = {dim}

    [queries]
    count = {queries}
    corruption = "flip"
    level = {level}

    [integrate]
    method = "dopri5"
    rtol = 1e-4
    atol = 1e-6
    t_end = 80.0
    dt_save = 10.0
    converge_tol = 1e-4

    [output]
    path = "{out}"

    [sweep]
    key = "{key}"
    values = {values}
    """)


def write_sweep(tmp, name="sweep", template=None, **kw):
    """Write TEMPLATE (default CLASSICAL_SWEEP) formatted with kw to tmp/name.toml; the output path
    is tmp/name.h5. Returns (config path, output path)."""
    p = dict(seed=1, count=10, dim=100, queries=8, level=0.0, key="memories.count", values="[5, 10]")
    p.update(kw)
    out = os.path.join(tmp, name + ".h5")
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write((template or CLASSICAL_SWEEP).format(out=out, **p))
    return path, out
