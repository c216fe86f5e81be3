#!/usr/bin/python3
"""Cost of one batched recall vs N, K and B (docs/performance.md, docs/img/cost_scaling.png):
`mnemo run` of modern Hopfield (random Gaussian memories scaled to unit norm, beta = 20, Gaussian
cues, dopri5 rtol 1e-6, t in [0, 2], no early stop, [integrate] batch = true), one parameter
varied around N = 784, K = 1000, B = 1000 at a time; wall time per trajectory per unit of t.
Usage: bench/scaling_plot.py MNEMO_BIN OUT.png"""
import os
import subprocess
import sys
import tempfile

import h5py
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CONFIG = """seed = 1
[model]
kind = "modern_hopfield"
beta = 20.0
[memories]
source = "random_gaussian"
count = {K}
dim = {N}
normalize = "unit"
[queries]
count = {B}
corruption = "gaussian"
level = 0.3
[integrate]
rtol = 1e-6
t_end = 2.0
dt_save = 1.0
converge_tol = 0.0
batch = true
"""


def wall(binary, tmp, N, K, B):
    cfg, out = os.path.join(tmp, "s.toml"), os.path.join(tmp, "s.h5")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(N=N, K=K, B=B))
    r = subprocess.run([binary, "run", cfg, "--out", out, "--quiet"], capture_output=True, text=True)
    if r.returncode:
        sys.exit(r.stderr)
    with h5py.File(out, "r") as f:
        found = []
        f.visititems(lambda n, o: found.append(float(o.attrs["wall_seconds"])) if "wall_seconds" in o.attrs else None)
        return found[0] if found else float(f.attrs["wall_seconds"])


def main():
    binary, png = sys.argv[1], sys.argv[2]
    base = dict(N=784, K=1000, B=1000)
    grid = {"N": [196, 392, 784, 1568, 3136], "K": [250, 500, 1000, 2000, 4000], "B": [10, 100, 1000, 4000]}
    fig, ax = plt.subplots(figsize=(5, 3.6), dpi=90)
    with tempfile.TemporaryDirectory() as tmp:
        for name, values in grid.items():
            secs = []
            for v in values:
                p = dict(base, **{name: v})
                secs.append(wall(binary, tmp, **p) / p["B"] * 1e3)
                print(name, v, f"{secs[-1]:.3f} ms per trajectory", flush=True)
            rel = [v / base[name] for v in values]
            ax.loglog(rel, secs, "o-", label=f"{name} (base {base[name]})")
    ax.set_xlabel("parameter / base value")
    ax.set_ylabel("wall ms per trajectory (t in [0, 2])")
    ax.set_title("batched recall cost, modern Hopfield")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png)


if __name__ == "__main__":
    main()
