"""The optional terms of an agreement, applied per year after the split: sunset, then cap, then floor.

Each moves money from the origin to the host for one year; the amount moved is apportioned across the
shared tax types in proportion to the origin's parts, so every (year, tax) row still adds up. The cap counts
what the origin actually kept in earlier years, after their floor top-ups (DOMAIN.md §3.7).
"""

from __future__ import annotations

import numpy as np

from sim.apportion import by_weights
from sim.scenario import Agreement, fen


def apply_terms(
    a: Agreement,
    calendar: np.ndarray,
    origin: np.ndarray,
    origin_split: np.ndarray,
    host: np.ndarray,
    shared: np.ndarray,
) -> dict[str, np.ndarray]:
    """Return the final origin and host [year, tax] and the adjustment each term made."""
    origin, origin_split, host = origin.copy(), origin_split.copy(), host.copy()
    sunset = np.zeros_like(origin)
    cap = np.zeros_like(origin)
    floor = np.zeros_like(origin)
    if a.sharing_ends is not None:  # after a sunset or a revocation the host keeps the origin's part
        after = calendar > a.sharing_ends
        sunset[after] = origin[after]
        origin_split[after] = 0
    origin -= sunset
    limit = fen(a.cap.origin_cumulative_yuan) if a.cap.origin_cumulative_yuan is not None else None
    guaranteed = fen(a.floor.host_yearly_yuan) if a.floor.host_yearly_yuan is not None else None
    kept = 0  # what the origin has kept from increments so far, after the cap and the floor of earlier years
    for y in range(len(calendar)):
        from_increments = int(origin_split[y, shared].sum())
        if limit is not None:
            excess = max(0, kept + from_increments - limit)
            if excess:
                cap[y, shared] = _spread(excess, origin_split[y, shared])
            origin[y] -= cap[y]
        if guaranteed is not None:
            host_year = int((host[y, shared] + sunset[y, shared] + cap[y, shared]).sum())
            available = int(origin[y, shared].sum())
            top_up = min(max(guaranteed - host_year, 0), max(available, 0))
            if top_up:
                floor[y, shared] = _spread(top_up, origin[y, shared])
            origin[y] -= floor[y]
        # a floor top-up comes out of what the origin receives from increments first (then from a stock it keeps)
        after_cap = from_increments - int(cap[y, shared].sum())
        kept += after_cap - min(int(floor[y, shared].sum()), max(after_cap, 0))
    return {
        "sunset_adj": sunset,
        "cap_adj": cap,
        "floor_adj": floor,
        "origin": origin,
        "host": host + sunset + cap + floor,
    }


def _spread(amount: int, weights: np.ndarray) -> np.ndarray:
    """`amount` over tax types in proportion to the origin's parts (largest remainder)."""
    return by_weights(np.array([amount]), np.zeros(len(weights), np.int64), weights)
