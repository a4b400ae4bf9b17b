"""The yearly assessment of a zone (考核, seeds/000 §四(三)) and revocation after repeated failure.

Each indicator's growth is compared with the region's growth of the same indicator: every percentage point
above earns `points_per_pp` × weight, every point below loses as much; each institutional-innovation award
adds `innovation_bonus`. A zone passes with at least `pass_score`; failing `revoke_after_failed_years` years
in a row revokes it. An indicator with nothing the year before has no growth rate and earns no points.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario import Assessment


@dataclass(frozen=True)
class Verdict:
    growth: dict[str, float | None]  # indicator → zone growth (None without a previous year)
    points: float
    passed: bool


def assess(rule: Assessment, history: list[dict[str, float]], awards: int) -> Verdict:
    """One zone, one year: growth of each indicator against the region's, weighted, plus awards.

    `history` is the zone's indicators for each year since it was approved, this year last."""
    previous = history[-2] if len(history) > 1 else {}
    current = history[-1]
    growth: dict[str, float | None] = {}
    points = rule.innovation_bonus * awards
    for name, indicator in rule.indicators.items():
        before, now = previous.get(name, 0.0), current.get(name, 0.0)
        if before <= 0:
            growth[name] = None
            continue
        growth[name] = now / before - 1
        points += indicator.weight * (growth[name] - indicator.region_growth) * 100 * rule.points_per_pp
    return Verdict(growth, float(points), points >= rule.pass_score)


def revocation_year(rule: Assessment, passed_by_year: dict[int, bool]) -> int | None:
    """The first year ending a run of `revoke_after_failed_years` consecutive failures, if any."""
    run = 0
    for year in sorted(passed_by_year):
        run = 0 if passed_by_year[year] else run + 1
        if run >= rule.revoke_after_failed_years:
            return year
    return None
