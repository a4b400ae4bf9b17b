"""The yardsticks for a sharing ratio, as pure math over gain functions of the origin's share.

Nothing here knows about scenarios or simulations: a gain function maps an origin share in [0, 1] to a number
(an expected gain, or a quantile of it), so each yardstick can be checked against hand-worked cases.
- break-even: where a gain crosses zero — `scipy.optimize.brentq` inside a bracket where it changes sign;
- Nash bargaining (Nash 1950): the share maximising the product of the parties' gains over their no-agreement
  positions (both positive) — best of the shares already evaluated, then `scipy.optimize.minimize_scalar`
  (bounded) between its neighbours;
- Shapley value (Shapley 1953): each player's marginal contribution to the coalition value, averaged over all
  orders of joining;
- an apportionment formula: weighted shares of the factors, e.g. China's for cross-region branches' CIT
  (国税发〔2008〕28号, now 国家税务总局公告2012年第57号: revenue, payroll, assets; weights are national parameters).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping

import numpy as np
from scipy.optimize import brentq, minimize_scalar

Gain = Callable[[float], float]

XTOL = 5e-7  # ratios are written with six decimals: a root within half a step of its written value
RESOLUTION = 1e-6  # one step of a six-decimal share


def crossings(grid: np.ndarray, values: np.ndarray) -> list[tuple[float, float]]:
    """The grid intervals [a, b] on which `values` changes sign (a zero at a grid point is its own interval)."""
    out = []
    for i in range(len(grid)):
        if values[i] == 0:
            out.append((float(grid[i]), float(grid[i])))
        elif i + 1 < len(grid) and values[i + 1] != 0 and np.sign(values[i]) != np.sign(values[i + 1]):
            out.append((float(grid[i]), float(grid[i + 1])))
    return out


def root(f: Gain, a: float, b: float) -> float:
    """The zero of `f` between a and b, where f(a) and f(b) differ in sign (or a == b is itself the zero)."""
    if a == b:
        return a
    return float(brentq(f, a, b, xtol=XTOL))


def break_even(f: Gain, grid: np.ndarray, values: np.ndarray, lowest: bool) -> float | None:
    """The lowest (or highest) share at which `f` is zero, bracketed by its sign changes on the grid; None when
    it never changes sign over [grid[0], grid[-1]]."""
    brackets = crossings(grid, values)
    if not brackets:
        return None
    a, b = brackets[0] if lowest else brackets[-1]
    return root(f, a, b)


def points_within(low: float, high: float, points: int, grid: np.ndarray | None) -> np.ndarray:
    """The shares a search starts from: `grid`'s shares inside [low, high] and both ends (so shares already
    evaluated are reused), or an even grid of `points`."""
    if grid is None:
        return np.linspace(low, high, points) if high > low else np.array([low])
    inner = [float(g) for g in grid if low + RESOLUTION / 2 < g < high - RESOLUTION / 2]
    return np.array(sorted({low, *inner, high}))


def maximise(
    f: Gain, low: float, high: float, points: int = 21, xatol: float = XTOL, grid: np.ndarray | None = None
) -> float | None:
    """The share in [low, high] maximising f (−inf where it is not defined): the best of the starting shares
    (`points_within`), refined by a bounded Brent search (`minimize_scalar`) between its neighbours; the better
    of the two is kept. A best share at an end of the range whose inner neighbour one resolution step away is no
    better is kept as it is (f falls away from the end: nothing to refine). None if f is nowhere defined."""
    if low > high:
        return None
    shares = points_within(low, high, points, grid)
    values = np.array([f(x) for x in shares])
    best = int(np.argmax(values))
    if not np.isfinite(values[best]):
        return None
    if len(shares) == 1:
        return float(shares[0])
    if best in (0, len(shares) - 1) and shares[-1] - shares[0] > RESOLUTION:
        step = RESOLUTION if best == 0 else -RESOLUTION
        if f(shares[best] + step) <= values[best]:
            return float(shares[best])
    a, b = shares[max(best - 1, 0)], shares[min(best + 1, len(shares) - 1)]
    found = minimize_scalar(lambda x: -f(x), bounds=(a, b), method="bounded", options={"xatol": xatol})
    x = float(found.x)
    return x if f(x) > values[best] else float(shares[best])


def nash(
    origin: Gain, host: Gain, low: float, high: float, points: int = 21, grid: np.ndarray | None = None
) -> float | None:
    """The share in [low, high] maximising origin(x) · host(x) where both are positive; None if nowhere both are.

    The product of expected gains is smooth between kinks (caps, floors), so `maximise` finds it."""

    def product(x: float) -> float:
        o, h = origin(x), host(x)
        return o * h if o > 0 and h > 0 else -math.inf

    return maximise(product, low, high, points, grid=grid)


def closest(
    gains: Callable[[float], np.ndarray], target: np.ndarray, points: int = 21, grid: np.ndarray | None = None
) -> float:
    """The share whose gains (a vector, one per party) come closest to `target` in squared distance."""

    def distance(x: float) -> float:
        return float(((gains(x) - target) ** 2).sum())

    return maximise(lambda x: -distance(x), 0.0, 1.0, points, grid=grid)  # type: ignore[return-value]


def shapley(players: Iterable[Hashable], value: Callable[[frozenset], float]) -> dict[Hashable, float]:
    """Each player's Shapley value: Σ over coalitions S without i of |S|!(n−|S|−1)!/n! · (v(S ∪ {i}) − v(S)).

    `value` is called once per coalition (the empty one included); the values add up to v(all players)."""
    people = list(players)
    n = len(people)
    memo: dict[frozenset, float] = {}

    def v(s: frozenset) -> float:
        if s not in memo:
            memo[s] = float(value(s))
        return memo[s]

    out = {}
    for i in people:
        others = [p for p in people if p != i]
        total = 0.0
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for group in itertools.combinations(others, size):
                s = frozenset(group)
                total += weight * (v(s | {i}) - v(s))
        out[i] = total
    return out


def formula_share(origin: Mapping[str, float], host: Mapping[str, float], weights: Mapping[str, float]) -> float | None:
    """The origin's share by an apportionment formula: Σ weight · origin's part of each factor (a factor both
    sides lack is left out and the others' weights rescaled); None when every factor is zero. China's formula
    for cross-region branches weighs revenue, payroll and assets (`national.branch_apportionment`)."""
    weighted, total = 0.0, 0.0
    for factor, weight in weights.items():
        whole = origin[factor] + host[factor]
        if whole > 0:
            weighted += weight * origin[factor] / whole
            total += weight
    return weighted / total if total else None


def participation_level(replications: int, confidence: float) -> int:
    """Index (0-based, ascending) of the order statistic that must be positive for P(gain > 0) ≥ confidence:
    at most ⌊(1 − confidence)·R⌋ replications may have a gain ≤ 0."""
    allowed = math.floor((1 - confidence) * replications + 1e-9)
    return min(allowed, replications - 1)


def margin(values: np.ndarray, confidence: float) -> float:
    """The participation margin of a gain sample: positive exactly when the share of positive gains reaches
    `confidence`; continuous in the gains (an order statistic), so its zero is found by a root-finder."""
    ordered = np.sort(np.asarray(values, np.float64))
    return float(ordered[participation_level(len(ordered), confidence)])
