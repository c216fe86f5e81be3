"""Run the `mnemo` command from Python (notebooks, scripts): find the binary, write a config, run,
and hand back the output file's path for `mnemo_h5.load`. Not needed to read files."""
import os
import shutil
import subprocess

_REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def find_mnemo():
    """The `mnemo` binary: $MNEMO_BIN, else build/cli/mnemo of this checkout, else `mnemo` on PATH."""
    candidates = [os.environ.get("MNEMO_BIN"), os.path.join(_REPO, "build", "cli", "mnemo"), shutil.which("mnemo")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise FileNotFoundError("mnemo binary not found: set MNEMO_BIN, or build it first (README, Quick start: "
                            f"it builds {os.path.join(_REPO, 'build', 'cli', 'mnemo')})")


def mnemo(*args, timeout=600):
    """Run `mnemo ARGS...`; returns its stdout, raises RuntimeError with mnemo's error line on failure."""
    exe = find_mnemo()
    r = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"mnemo {' '.join(map(str, args))} failed (exit {r.returncode}): {r.stderr.strip()}")
    return r.stdout


def run(config, out, *extra, command="run"):
    """`mnemo run CONFIG --out OUT --quiet` (or `command`, e.g. "sweep"). `config` is a path, or the
    TOML text itself (written next to `out` as OUT.toml). Returns `out`."""
    out = os.path.abspath(os.fspath(out))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if "\n" in str(config) or not os.path.exists(str(config)):
        path = os.path.splitext(out)[0] + ".toml"
        with open(path, "w") as f:
            f.write(str(config))
        config = path
    mnemo(command, config, "--out", out, "--quiet", *extra)
    return out


def repository():
    """Root of this checkout (where examples/ and notebooks/ live)."""
    return _REPO
