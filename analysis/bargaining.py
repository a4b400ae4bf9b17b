"""The yardsticks for a sharing ratio, as pure math over gain functions of the origin's share.

Nothing here knows about scenarios or simulations: a gain function maps an origin share in [0, 1] to a number
(an expected gain, or a quantile of it), so each yardstick can be checked against hand-worked cases.
- break-even: where a gain crosses zero — `scipy.optimize.brentq` inside a bracket where it changes sign;
- Nash bargaining (Nash 1950): the share maximising the product of the parties' gains over their no-agreement
  positions (both positive) — best point of a grid, then `scipy.optimize.minimize_scalar` (bounded) between its
  neighbours;
- Shapley value (Shapley 1953): each player's marginal contribution to the coalition value, averaged over all
  orders of joining;
- the apportionment formula of 国税发〔2008〕28号 (cross-region branches' CIT): 0.35 revenue + 0.35 payroll +
  0.30 assets.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping

import numpy as np
from scipy.optimize import brentq, minimize_scalar

Gain = Callable[[float], float]

# 国税发〔2008〕28号 第二十三条: 营业收入 0.35, 职工薪酬 0.35, 资产总额 0.30
FORMULA_WEIGHTS = {"revenue": 0.35, "payroll": 0.35, "assets": 0.30}
XTOL = 1e-7  # ratios are written with six decimals; roots are found well inside that


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


def nash(origin: Gain, host: Gain, low: float, high: float, points: int = 21) -> float | None:
    """The share in [low, high] maximising origin(x) · host(x) where both are positive; None if nowhere both are.

    The product of expected gains is smooth between kinks (caps, floors): the best of an even grid on [low, high]
    is refined by a bounded Brent search between its neighbours, and the better of the two is kept."""
    if low > high:
        return None

    def product(x: float) -> float:
        o, h = origin(x), host(x)
        return o * h if o > 0 and h > 0 else -math.inf

    grid = np.linspace(low, high, points) if high > low else np.array([low])
    values = np.array([product(x) for x in grid])
    best = int(np.argmax(values))
    if not np.isfinite(values[best]):
        return None
    if high == low:
        return float(low)
    a, b = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    found = minimize_scalar(lambda x: -product(x), bounds=(a, b), method="bounded", options={"xatol": XTOL})
    x = float(found.x)
    return x if product(x) > values[best] else float(grid[best])


def maximise(f: Gain, low: float, high: float, points: int = 21, xatol: float = XTOL) -> float | None:
    """The share in [low, high] maximising f: the best of a grid, refined by a bounded search between its
    neighbours (used for the joint gain and the host's gain)."""
    if low > high:
        return None
    if high == low:
        return float(low)
    grid = np.linspace(low, high, points)
    values = np.array([f(x) for x in grid])
    best = int(np.argmax(values))
    a, b = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    found = minimize_scalar(lambda x: -f(x), bounds=(a, b), method="bounded", options={"xatol": xatol})
    x = float(found.x)
    return x if f(x) > values[best] else float(grid[best])


def closest(gains: Callable[[float], np.ndarray], target: np.ndarray, points: int = 21) -> float:
    """The share whose gains (a vector, one per party) come closest to `target` in squared distance."""

    def distance(x: float) -> float:
        return float(((gains(x) - target) ** 2).sum())

    return maximise(lambda x: -distance(x), 0.0, 1.0, points)  # type: ignore[return-value]


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


def formula_share(origin: Mapping[str, float], host: Mapping[str, float]) -> float | None:
    """The origin's share by the apportionment formula: Σ weight · origin's part of each factor (a factor both
    sides lack is left out and the others' weights rescaled); None when every factor is zero."""
    weighted, weights = 0.0, 0.0
    for factor, weight in FORMULA_WEIGHTS.items():
        whole = origin[factor] + host[factor]
        if whole > 0:
            weighted += weight * origin[factor] / whole
            weights += weight
    return weighted / weights if weights else None


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
