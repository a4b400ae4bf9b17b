"""Largest-remainder apportionment in integer fen: the parts always add up to the whole.

Two shapes are needed. `by_shares` splits many wholes by fixed shares given in millionths (the
central share, upper-level retentions, the origin : host ratio); `by_weights` splits wholes over
groups of items in proportion to integer weights that may be negative (cap and floor adjustments
across tax types, attribution of a cell to its entities). Each part first gets the floor of its
exact quota; the fen left over go one each to the largest remainders, ties to the earlier part.
"""

from __future__ import annotations

import numpy as np

from sim.money import PPM

_INT64_SAFE = 2**62


def by_shares(whole: np.ndarray, shares_ppm: np.ndarray) -> np.ndarray:
    """Split `whole[...]` into parts `shares_ppm[..., m]` (each row sums to PPM) exactly.

    The quota whole·share/PPM is computed as hi·share + lo·share/PPM with whole = hi·PPM + lo, so
    no product leaves int64 for any |whole| below 9·10¹⁸ fen.
    """
    whole = np.asarray(whole, dtype=np.int64)
    shares = np.broadcast_to(np.asarray(shares_ppm, dtype=np.int64), (*whole.shape, np.shape(shares_ppm)[-1]))
    hi, lo = np.divmod(whole, PPM)
    low = lo[..., None] * shares
    parts = hi[..., None] * shares + low // PPM
    remainder = low % PPM
    leftover = whole - parts.sum(axis=-1)
    if shares.shape[-1] == 2:  # the common case: at most one fen left, to the larger remainder (ties: first)
        first_gets = (leftover == 1) & (remainder[..., 0] >= remainder[..., 1])
        return parts + np.stack([first_gets, (leftover == 1) & ~first_gets], axis=-1)
    # rank parts by remainder, largest first; a stable sort leaves ties to the earlier part
    order = np.argsort(-remainder, axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[-1]), axis=-1)
    return parts + (rank < leftover[..., None])


def pair(share_ppm: np.ndarray | int) -> np.ndarray:
    """Shares of a first party and the rest, [share, PPM − share], along a new last axis."""
    share_ppm = np.asarray(share_ppm, np.int64)
    return np.stack([share_ppm, PPM - share_ppm], axis=-1)


def by_weights(whole: np.ndarray, group: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Split `whole[g]` over the items i with `group[i] == g` in proportion to `weight[i]`.

    Weights may be negative (refunds). A group whose weights sum to zero falls back to absolute
    weights, then to equal weights, so every whole is always fully placed.
    """
    whole = np.asarray(whole, dtype=np.int64)
    group = np.asarray(group, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.int64)
    if len(group) == 0:
        return np.zeros(0, np.int64)
    weight = _nonzero_weights(weight, group, len(whole))
    den = np.zeros(len(whole), np.int64)
    np.add.at(den, group, weight)
    big = int(np.abs(whole).max(initial=0)) * int(np.abs(weight).max(initial=0)) >= _INT64_SAFE
    kind = object if big else np.int64
    numerator = whole.astype(kind)[group] * weight.astype(kind)
    item_den = den.astype(kind)[group]
    floor = numerator // item_den
    fraction = ((numerator - floor * item_den) / item_den).astype(np.float64)
    floor = floor.astype(np.int64)
    placed = np.zeros(len(whole), np.int64)
    np.add.at(placed, group, floor)
    leftover = whole - placed
    order = np.lexsort((np.arange(len(group)), -fraction, group))
    sorted_group = group[order]
    first = np.searchsorted(sorted_group, sorted_group, side="left")
    position = np.arange(len(order)) - first
    bonus = np.zeros(len(group), np.int64)
    bonus[order] = position < leftover[sorted_group]
    return floor + bonus


def _nonzero_weights(weight: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Replace the weights of zero-sum groups by |weight|, then by 1, so each group can be split."""
    total = np.zeros(n_groups, np.int64)
    np.add.at(total, group, weight)
    zero = total[group] == 0
    if not zero.any():
        return weight
    weight = np.where(zero, np.abs(weight), weight)
    total = np.zeros(n_groups, np.int64)
    np.add.at(total, group, weight)
    return np.where(total[group] == 0, 1, weight)
