"""A straightforward pandas-groupby allocation, for comparison: the obvious way one would write it.

It implements the rules of the baseline benchmark scenario (calendar ratios, base zero, central and
upper-level retentions, floor_zero / share) with the same largest-remainder rounding, so its figures
must equal the core's — the benchmark checks that before it prints any ratio.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from sim.scenario import Scenario


def _largest_remainder(whole: int, shares: list[Fraction]) -> list[int]:
    quotas = [whole * s for s in shares]
    parts = [q.numerator // q.denominator for q in quotas]
    order = sorted(range(len(shares)), key=lambda i: -(quotas[i] - parts[i]))
    for i in order[: whole - sum(parts)]:
        parts[i] += 1
    return parts


def allocate(frame: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """frame: agreement (id), year, tax_type, fen. Returns one row per (agreement, year, tax_type)."""
    agreements = {a.id: a for a in scenario.agreements}
    levels = scenario.tax_rules.upper_levels

    def one(group: pd.DataFrame) -> pd.Series:
        agreement_id, year, tax = group.name
        a = agreements[agreement_id]
        total = int(group["fen"].sum())
        c = Fraction(str(scenario.tax_rules.central_share.get(tax, _national(tax))))
        central, local = _largest_remainder(total, [c, 1 - c])
        u = [Fraction(str(level.share.get(tax, 0))) for level in levels]
        *upper, pool = _largest_remainder(local, [*u, 1 - sum(u)])
        origin = 0
        if tax in a.taxes and (pool >= 0 or a.negative_increment == "share"):
            r = next(Fraction(str(p.origin)) for p in a.ratio.schedule if p.start <= year <= (p.end or year))
            origin = _largest_remainder(pool, [r, 1 - r])[0]
        return pd.Series(
            {
                "total": total,
                "central": central,
                **{lv.id: v for lv, v in zip(levels, upper, strict=True)},
                "origin": origin,
                "host": pool - origin,
            }
        )

    return frame.groupby(["agreement", "year", "tax_type"], sort=True).apply(one, include_groups=False).reset_index()


def _national(tax: str) -> str:
    from sim.taxes import TAX_TYPES

    return next(t.central_share for t in TAX_TYPES if t.id == tax)
