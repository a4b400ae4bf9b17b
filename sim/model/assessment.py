"""The yearly assessment of a zone (考核, seeds/000 §四(三)) and revocation after repeated failure.

The seed: growth rates of hard indicators (import/export value, actual use of foreign capital …) are each
weighted; the region's growth of the same indicator is the baseline; above it earns points, below it loses
points; national or regional institutional-innovation awards earn separate bonus points; a zone that fails
two years in a row is revoked. What the seed leaves open is settled so that noise cannot decide revocation:

- a zone is assessed from the year after the first year it is open (its approval year, or the horizon's
  first year when it was approved before): the approval year is a partial year and has no base;
- an indicator's growth compares the sum over its window (`window_years`: 1 = year on year; foreign capital
  3 by default) with the same-length sum one year earlier, shortened while the zone is younger than the
  window; growth is (now − base) / max(base, min_base × years in the window), so a base near zero counts as
  `min_base` and cannot produce growth of thousands of percent;
- each indicator's excess over the region is bounded to ±`excess_growth_cap`, so its points lie within
  ±weight × points_per_pp × 100 × excess_growth_cap;
- the innovation bonus is `innovation_bonus` per award; a zone passes with at least `pass_score` (the score
  rounded to a millionth of a point).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario import Assessment


@dataclass(frozen=True)
class Verdict:
    """One zone's year. `growth` is the growth each indicator was scored on (None when not assessed).

    A year that is not assessed (`assessed` False: the zone's first year) scores 0 and fails nothing, so
    `passed` is True and it can never be part of a run of failures."""

    growth: dict[str, float | None]
    points: float
    passed: bool
    assessed: bool = True


def assess(rule: Assessment, history: list[dict[str, float]], awards: int) -> Verdict:
    """One zone, one year: each indicator's bounded points against the region's growth, plus the awards.

    `history` is the zone's indicators for each year since it was approved, this year last."""
    if len(history) < 2:
        return Verdict({name: None for name in rule.indicators}, 0.0, True, assessed=False)
    growth: dict[str, float | None] = {}
    points = rule.innovation_bonus * awards
    cap = rule.excess_growth_cap
    for name, indicator in rule.indicators.items():
        years = min(indicator.window_years, len(history) - 1)
        now = sum(year.get(name, 0.0) for year in history[-years:])
        base = sum(year.get(name, 0.0) for year in history[-years - 1 : -1])
        growth[name] = (now - base) / max(base, indicator.min_base * years)
        excess = min(max(growth[name] - indicator.region_growth, -cap), cap)
        points += indicator.weight * excess * 100 * rule.points_per_pp
    points = round(points, 6)  # a millionth of a point: rounding noise of the growth rates cannot decide a pass
    return Verdict(growth, float(points), points >= rule.pass_score)


def revocation_year(rule: Assessment, passed_by_year: dict[int, bool]) -> int | None:
    """The first year ending `revoke_after_failed_years` failures in consecutive calendar years (连续), if any;
    a year passed, not assessed or missing ends a run."""
    run, last = 0, None
    for year in sorted(passed_by_year):
        failed = not passed_by_year[year]
        run = (run + 1 if last == year - 1 else 1) if failed else 0
        last = year
        if run >= rule.revoke_after_failed_years:
            return year
    return None
