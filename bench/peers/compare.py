#!/usr/bin/python3
"""Issue 8's side-by-side benchmark, everything in one run on one machine (docs/performance.md):
mnemo (`mnemo run` of bench/configs/reference.toml, batched per-trajectory and shared step
control, and the per-trajectory path), SciPy solve_ivp RK45 vectorised over the batch, and the
PyTorch batched dopri5 (when python3-torch is installed), all on the same memories and cues (the
peers read them from mnemo's run file) at rtol 1e-6; achieved error = max over trajectories of
max|x_final - x_ref| with x_ref from mnemo at rtol 1e-10 without early stop; plus numpy/OpenBLAS
dgemm GFLOP/s on the RHS's shapes. Usage:
  OPENBLAS_CORETYPE=... bench/peers/compare.py MNEMO_BIN [--threads N] [--skip-per-trajectory]
      [--mnemo-blas MNEMO_BIN_BUILT_WITH_MNEMO_BLAS]
Prints one table; ratios are peer time / mnemo time (> 1: mnemo faster)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "..", "configs", "reference.toml")


def run_mnemo(binary, tmp, name, threads, **integrate):
    with open(CONFIG) as f:
        text = f.read()
    for key, value in integrate.items():
        lines = [ln for ln in text.splitlines() if not ln.startswith(key + " =")]
        i = lines.index("[integrate]")
        lines.insert(i + 1, f"{key} = {value}")
        text = "\n".join(lines) + "\n"
    cfg = os.path.join(tmp, name + ".toml")
    out = os.path.join(tmp, name + ".h5")
    with open(cfg, "w") as f:
        f.write(text)
    start = time.perf_counter()
    r = subprocess.run([binary, "run", cfg, "--out", out, "--quiet", "--threads", str(threads)],
                       capture_output=True, text=True)
    total = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"mnemo run {name} failed: {r.stderr}")
    with h5py.File(out, "r") as f:
        wall = None
        def find(name_, obj):
            nonlocal wall
            if "wall_seconds" in obj.attrs:
                wall = float(obj.attrs["wall_seconds"])
        f.visititems(find)
        if wall is None and "wall_seconds" in f.attrs:
            wall = float(f.attrs["wall_seconds"])
        final = f["trajectories/final"][()]
        rhs = int(f["trajectories/rhs_evaluations"][()].sum())
    return out, final, wall if wall is not None else total, rhs


def run_peer(script, run_file, tmp, threads):
    out = os.path.join(tmp, os.path.basename(script) + ".npy")
    args = [sys.executable, os.path.join(HERE, script), run_file, out]
    if "torch" in script:
        args.append(str(threads))
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "failed"
    info = json.loads(r.stdout.strip().splitlines()[-1])
    info["final"] = np.load(out)
    return info, None


def gemm_gflops(X, B):
    V = np.random.default_rng(1).standard_normal((B, X.shape[1])).astype(X.dtype)
    S = V @ X.T
    for _ in range(3):
        V @ X.T
    n, start = 10, time.perf_counter()
    for _ in range(n):
        V @ X.T
        S @ X
    dt = (time.perf_counter() - start) / n
    return 2 * 2 * B * X.shape[0] * X.shape[1] / dt / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mnemo")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--skip-per-trajectory", action="store_true")
    ap.add_argument("--mnemo-blas", help="a second mnemo built with -DMNEMO_BLAS=ON (rows for it too)")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="mnemo-compare-") as tmp:
        ref_file, ref, _, _ = run_mnemo(a.mnemo, tmp, "reference", a.threads, rtol="1e-10", atol="1e-12",
                                        converge_tol="0.0")
        runs = [("mnemo batched, per-trajectory steps", a.mnemo, dict())]
        runs.append(("mnemo batched, shared step", a.mnemo, dict(batch_step='"shared"')))
        runs.append(("mnemo batched, float products", a.mnemo, dict(precision='"float"')))
        if a.mnemo_blas:
            runs.append(("mnemo batched, MNEMO_BLAS build", a.mnemo_blas, dict()))
            runs.append(("mnemo batched, float, MNEMO_BLAS build", a.mnemo_blas, dict(precision='"float"')))
        if not a.skip_per_trajectory:
            runs.append(("mnemo per-trajectory path (odeint)", a.mnemo, dict(batch="false")))
        for label, binary, kw in runs:
            _, final, wall, rhs = run_mnemo(binary, tmp, "run" + str(len(rows)), a.threads, **kw)
            rows.append((label, wall, rhs / 1000.0, np.abs(final - ref).max()))
        for label, script in [("SciPy solve_ivp RK45 (vectorised)", "scipy_solve_ivp.py"),
                              ("PyTorch batched dopri5 (float64)", "torch_dopri5.py")]:
            info, err = run_peer(script, ref_file, tmp, a.threads)
            if info is None:
                print(f"# {label}: not run ({err})")
                continue
            rows.append((label, info["seconds"], info["rhs"], np.abs(info["final"] - ref).max()))
        with h5py.File(ref_file, "r") as f:
            X = f["model/memories"][()]
        gemm = gemm_gflops(X, 1000)
        sgemm = gemm_gflops(X.astype(np.float32), 1000)
    base = rows[0][1]
    print(f"threads {a.threads}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(default)')}")
    print(f"| contender | seconds | RHS per trajectory | max error vs reference | time / mnemo batched |")
    print("|---|---|---|---|---|")
    for label, sec, rhs, err in rows:
        print(f"| {label} | {sec:.2f} | {rhs:.0f} | {err:.1e} | {sec / base:.2f} |")
    print(f"numpy/OpenBLAS on the RHS shapes (1000x784 by 784x1000, 1000x1000 by 1000x784): dgemm {gemm:.1f} GFLOP/s, "
          f"sgemm {sgemm:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
