"""Wall time of ``lmnotes.train_lm`` against MINPACK's LM (``scipy.optimize.least_squares``).

Problem: a 1-20-1 tansig network (61 weights) fitted to t = sin(2πx), 200 points in [-1, 1],
goal MSE 1e-5, five seeds of initial weights shared by both solvers. Both get the same analytic
Jacobian from lmnotes. Runs are interleaved (train_lm, MINPACK, train_lm, ...) and the median of
``--repeats`` timings per seed is kept.

MINPACK cannot stop at an error goal: it stops on its own tolerances. To compare the time to
reach the goal fairly and without a callback inside the timed run, each seed is first run once,
untimed, to convergence (ftol = xtol = gtol = 1e-15) with a residual that records every
evaluation's MSE; the number of evaluations k at which MINPACK first reached the goal is then
the ``max_nfev`` of the timed runs, which therefore follow the same path and stop exactly where
the goal is reached. The time of the run to convergence is printed too.

Usage: python benchmarks/bench_lm.py [--repeats R]
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np
from scipy.optimize import least_squares

import lmnotes

GOAL = 1e-5
SEEDS = range(5)
TOL = 1e-15


def minpack(net: lmnotes.Network, X: np.ndarray, T: np.ndarray, w0: np.ndarray, max_nfev: int | None, record=None):
    """MINPACK's lmder on the residual y − t (whose Jacobian is +J)."""

    def fun(w):
        r = (net.forward(w, X) - T).ravel()
        if record is not None:
            record.append(float(r @ r) / r.size)
        return r

    return least_squares(
        fun, w0, jac=lambda w: net.jacobian(w, X), method="lm", ftol=TOL, xtol=TOL, gtol=TOL, max_nfev=max_nfev
    )


def timed(f):
    t0 = time.perf_counter()
    out = f()
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per seed and solver (median kept)")
    args = parser.parse_args()

    net = lmnotes.Network([1, 20, 1])
    X, T = lmnotes.problems.sine(200)
    n_err = T.size
    print(f"1-20-1 tansig network ({net.n_params} weights), sin(2πx) at {X.shape[0]} points, goal MSE {GOAL:g}")
    print("MINPACK: least_squares(method='lm', ftol=xtol=gtol=1e-15) with the analytic Jacobian; it cannot stop at")
    print("an MSE goal, so its time to the goal is timed with max_nfev = the evaluation at which an untimed")
    print("recording run first reached the goal (same path, stopped there). Its run to its tolerances is shown too")
    print("(st = least_squares status: 0 = max_nfev (its default 100·W) reached, 1-4 = a tolerance met).\n")
    header = (
        f"{'seed':>4} | {'train_lm: epochs':>16} {'fev':>4} {'jev':>4} {'MSE':>9} {'ms':>7} | "
        f"{'MINPACK to goal: nfev':>21} {'njev':>4} {'MSE':>9} {'ms':>7} | {'to tol: nfev':>12} {'st':>3} "
        f"{'MSE':>9} {'ms':>7} | {'ratio':>5}"
    )
    print(header)
    print("-" * len(header))
    ratios, t_lm_all, t_mp_all = [], [], []
    for seed in SEEDS:
        w0 = net.init_weights(seed=seed)
        record: list[float] = []
        t_full, full = timed(partial(minpack, net, X, T, w0, None, record))
        reached = [i for i, m in enumerate(record) if m <= GOAL]
        k = reached[0] + 1 if reached else None
        t_lm, t_mp = [], []
        for _ in range(args.repeats):
            dt, res = timed(partial(lmnotes.train_lm, net, X, T, w0, goal=GOAL))
            t_lm.append(dt)
            if k is not None:
                dt, mp = timed(partial(minpack, net, X, T, w0, k))
                t_mp.append(dt)
        assert res.stop == "goal" and res.mse[-1] <= GOAL
        t_lm_med = float(np.median(t_lm))
        t_lm_all.append(t_lm_med)
        lm_part = f"{res.epochs:>16} {res.n_fev:>4} {res.n_jev:>4} {res.mse[-1]:>9.2e} {1e3 * t_lm_med:>7.1f}"
        full_part = f"{full.nfev:>12} {full.status:>3} {2 * full.cost / n_err:>9.2e} {1e3 * t_full:>7.0f}"
        if k is None:
            print(f"{seed:>4} | {lm_part} | {'goal not reached':>47} | {full_part} |   n/a")
            continue
        t_mp_med = float(np.median(t_mp))
        t_mp_all.append(t_mp_med)
        mse_mp = 2 * mp.cost / n_err
        assert mse_mp <= GOAL, "the truncated MINPACK run must end at the goal"
        ratios.append(t_lm_med / t_mp_med)
        mp_part = f"{mp.nfev:>21} {mp.njev:>4} {mse_mp:>9.2e} {1e3 * t_mp_med:>7.1f}"
        print(f"{seed:>4} | {lm_part} | {mp_part} | {full_part} | {ratios[-1]:5.2f}")
    print()
    t_lm_med, t_mp_med = 1e3 * np.median(t_lm_all), 1e3 * np.median(t_mp_all)
    print(f"median time to goal: train_lm {t_lm_med:.1f} ms, MINPACK {t_mp_med:.1f} ms")
    print(f"ratio of medians train_lm / MINPACK: {np.median(t_lm_all) / np.median(t_mp_all):.2f} (target <= 0.3)")
    print(f"median of per-seed ratios: {np.median(ratios):.2f} (the target measure: target <= 0.3)")


if __name__ == "__main__":
    main()
