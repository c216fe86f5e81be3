#!/usr/bin/python3
"""PyTorch peer (issue 8): a batched Dormand-Prince 5(4) written with torch tensors on the CPU
(float64), the way batched neural-ODE solvers do it (torchdiffeq-like): one step size for the
whole batch, accepted on the largest error over the batch (the same mixed error norm as mnemo:
|err| / (atol + rtol (|y| + h |f|)), max over entries), stopped once every trajectory has
max|dx/dt| <= converge_tol (checked after each accepted step, as the terminal event of the SciPy
peer). Needs python3-torch (optional, not in scripts/setup: apt-get install python3-torch).
Usage: torch_dopri5.py RUN.h5 OUT.npy -> prints JSON {seconds, rhs, t_stop}."""
import json
import sys
import time

import numpy as np
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from scipy_solve_ivp import load  # noqa: E402

A = [[], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
     [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
     [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
     [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]]
E = [71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40]


def solve(X, V0, beta, rtol=1e-6, atol=1e-8, t_end=10.0, converge_tol=1e-6, dt=0.01):
    torch.set_grad_enabled(False)
    X = torch.from_numpy(X)
    y = torch.from_numpy(V0.copy())
    count = 0

    def rhs(V):
        nonlocal count
        count += 1
        return torch.softmax(beta * (V @ X.T), dim=1) @ X - V

    start = time.perf_counter()
    t, h = 0.0, dt
    k1 = rhs(y)
    while t < t_end:
        h = min(h, t_end - t)
        ks = [k1]
        for i in range(1, 7):
            yi = y + h * sum(a * k for a, k in zip(A[i], ks) if a != 0.0)
            ks.append(rhs(yi))
        y_new = yi
        err = h * sum(e * k for e, k in zip(E, ks) if e != 0.0)
        norm = (err.abs() / (atol + rtol * (y.abs() + h * k1.abs()))).max().item()
        if norm <= 1.0:
            t += h
            y, k1 = y_new, ks[6]
            if norm < 0.5:
                h *= 0.9 * max(norm, 5.0 ** -5) ** -0.2
            if converge_tol > 0 and k1.abs().max().item() <= converge_tol:
                break
        else:
            h *= max(0.9 * norm ** (-1 / 3), 0.2)
    seconds = time.perf_counter() - start
    return y.numpy(), seconds, count, t


if __name__ == "__main__":
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else torch.get_num_threads())
    X, V0, beta = load(sys.argv[1])
    final, seconds, rhs, t_stop = solve(X, V0, beta)
    np.save(sys.argv[2], final)
    print(json.dumps({"seconds": seconds, "rhs": rhs, "t_stop": t_stop}))
