#!/usr/bin/python3
"""SciPy peer (issue 8): the reference workload as one stacked system of B x N equations,
solve_ivp RK45 with the right-hand side vectorised over the batch (two GEMMs through numpy's
BLAS), rtol/atol as mnemo, stopped by a terminal event once every trajectory has
max|dx/dt| <= converge_tol. Memories and cues are read from a mnemo run file, so the workload is
the same bits. Usage: scipy_solve_ivp.py RUN.h5 -> prints JSON {seconds, rhs, final (npy path)}."""
import json
import sys
import time

import h5py
import numpy as np
from scipy.integrate import solve_ivp


def load(path):
    with h5py.File(path, "r") as f:
        X = f["model/memories"][()]
        V0 = f["trajectories/initial"][()]
        beta = float(f["model"].attrs["beta"])
    return X, V0, beta


def solve(X, V0, beta, rtol=1e-6, atol=1e-8, t_end=10.0, converge_tol=1e-6):
    B, N = V0.shape
    count = [0]

    def rhs(V):
        S = beta * (V @ X.T)
        S -= S.max(axis=1, keepdims=True)
        np.exp(S, out=S)
        S /= S.sum(axis=1, keepdims=True)
        return S @ X - V

    def f(t, y):
        count[0] += 1
        return rhs(y.reshape(B, N)).ravel()

    def converged(t, y):
        count[0] += 1
        return np.abs(rhs(y.reshape(B, N))).max() - converge_tol
    converged.terminal = True
    events = [converged] if converge_tol > 0 else None
    start = time.perf_counter()
    sol = solve_ivp(f, (0.0, t_end), V0.ravel(), method="RK45", rtol=rtol, atol=atol, events=events)
    seconds = time.perf_counter() - start
    return sol.y[:, -1].reshape(B, N), seconds, count[0], sol.t[-1]


if __name__ == "__main__":
    X, V0, beta = load(sys.argv[1])
    final, seconds, rhs, t_stop = solve(X, V0, beta)
    np.save(sys.argv[2], final)
    print(json.dumps({"seconds": seconds, "rhs": rhs, "t_stop": t_stop}))
