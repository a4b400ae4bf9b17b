"""The yearly assessment as seeds/000 §四(三) reads, each case worked by hand: growth of each indicator against
the region's, weighted; points bounded per indicator; a near-zero base; the approval year not assessed;
foreign capital summed over three years so one lumpy project cannot decide revocation; two failed years in a
row revoke."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from sim_builders import world

from analysis.projection import replicate
from sim.model.assessment import assess, revocation_year
from sim.parameters import parameter
from sim.scenario import Assessment
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
M = 1_000_000  # yuan
BUNDLED = [p for p in sorted((ROOT / "scenarios").glob("*/*.yaml")) if "assessment:" in p.read_text("utf-8")]


def rule(indicators: dict, **terms) -> Assessment:
    return Assessment.model_validate({"indicators": indicators, **terms})


TRADE = {"weight": 0.6, "region_growth": 0.05, "min_base": 10 * M, "window_years": 1}


def test_points_are_the_weighted_growth_above_the_region():
    # Trade 100 M → 120 M yuan: +20% against the region's 5% = 15 percentage points × weight 0.6 = 9 points;
    # at 2 points per percentage point, 18; two awards × 5 add 10.
    one = rule({"trade": TRADE}, excess_growth_cap=0.5)
    verdict = assess(one, [{"trade": 100 * M}, {"trade": 120 * M}], awards=0)
    assert verdict.growth == {"trade": pytest.approx(0.2, abs=1e-15)}
    assert verdict.points == pytest.approx(9.0, abs=1e-12) and verdict.passed and verdict.assessed
    two = rule({"trade": TRADE}, excess_growth_cap=0.5, points_per_pp=2, innovation_bonus=5)
    assert assess(two, [{"trade": 100 * M}, {"trade": 120 * M}], awards=2).points == pytest.approx(28.0, abs=1e-12)
    # below the region loses as much: 100 M → 98 M is −2% against 5% = −7 pp × 0.6 = −4.2 → fails a pass line of 0
    below = assess(one, [{"trade": 100 * M}, {"trade": 98 * M}], awards=0)
    assert below.points == pytest.approx(-4.2, abs=1e-12) and not below.passed


def test_each_indicators_points_are_capped():
    # Cap 0.2: at most ±20 pp count, so trade (weight 0.6) earns or loses at most 12 points. 100 M → 300 M is
    # +200% (195 pp above the region) → +12; 100 M → 10 M is −90% (−95 pp) → −12.
    capped = rule({"trade": TRADE}, excess_growth_cap=0.2)
    assert assess(capped, [{"trade": 100 * M}, {"trade": 300 * M}], 0).points == pytest.approx(12.0, abs=1e-12)
    assert assess(capped, [{"trade": 100 * M}, {"trade": 10 * M}], 0).points == pytest.approx(-12.0, abs=1e-12)
    # the reported growth is the real one; only the points stop at the cap
    assert assess(capped, [{"trade": 100 * M}, {"trade": 300 * M}], 0).growth["trade"] == pytest.approx(2.0)


def test_points_stay_within_the_bound_for_any_history():
    # Whatever the figures, the score lies within ±Σ weight × points_per_pp × 100 × cap, plus the awards.
    both = rule(
        {"trade": TRADE, "fdi": {"weight": 0.4, "region_growth": 0.05, "min_base": 10 * M, "window_years": 3}},
        excess_growth_cap=0.25,
        points_per_pp=1.5,
        innovation_bonus=5,
    )
    bound = (0.6 + 0.4) * 1.5 * 100 * 0.25  # 37.5
    draw = random.Random(7)
    for _ in range(2000):
        years = draw.randint(1, 8)
        history = [{k: draw.choice([0.0, draw.uniform(0, 1e3), draw.uniform(0, 1e10)]) for k in ("trade", "fdi")}]
        history += [dict(history[-1]) for _ in range(years)]
        for year in history[1:]:
            year.update(trade=draw.uniform(0, 1e10), fdi=draw.choice([0.0, draw.uniform(0, 1e10)]))
        awards = draw.randint(0, 3)
        points = assess(both, history, awards).points
        assert -bound - 1e-9 <= points - 5 * awards <= bound + 1e-9


def test_growth_from_a_near_zero_base_counts_the_base_as_the_minimum():
    # Trade 1,000 → 2,001,000 yuan would be +200,000%; with a smallest base of 10 M yuan it is
    # (2,001,000 − 1,000) / 10,000,000 = +20%: 15 pp above the region × 0.6 = 9 points, as for 100 M → 120 M.
    one = rule({"trade": TRADE}, excess_growth_cap=0.5)
    tiny = assess(one, [{"trade": 1_000}, {"trade": 2_001_000}], 0)
    assert tiny.growth["trade"] == pytest.approx(0.2, abs=1e-15)
    assert tiny.points == pytest.approx(9.0, abs=1e-12)
    # a base at or above the minimum is measured as it is: 10 M → 12 M is +20%
    assert assess(one, [{"trade": 10 * M}, {"trade": 12 * M}], 0).growth["trade"] == pytest.approx(0.2, abs=1e-15)
    # a zone with nothing in either year has grown 0%, 5 pp below the region: it loses 3 points, it is not spared
    empty = assess(one, [{"trade": 0.0}, {"trade": 0.0}], 0)
    assert empty.growth["trade"] == 0.0 and empty.points == pytest.approx(-3.0, abs=1e-12) and not empty.passed


def test_the_approval_year_is_not_assessed():
    # The zone's first year (its approval year: a part year, with no year before it) scores nothing, fails
    # nothing, and its awards wait; the next year is assessed with the approval year as its base.
    one = rule({"trade": TRADE}, innovation_bonus=5)
    first = assess(one, [{"trade": 50 * M}], awards=3)
    assert (first.assessed, first.points, first.passed, first.growth) == (False, 0.0, True, {"trade": None})
    second = assess(one, [{"trade": 50 * M}, {"trade": 55 * M}], awards=0)
    assert second.assessed and second.growth["trade"] == pytest.approx(0.1, abs=1e-15)
    assert second.points == pytest.approx(0.6 * 5, abs=1e-12)  # +10% vs 5%: 5 pp × 0.6


def test_in_a_simulation_a_zone_is_first_assessed_the_year_after_its_approval():
    s = world(zone={"approved_year": 2024}, assessment={"indicators": {"trade": {"weight": 1, "region_growth": 0}}})
    records = replicate(s, np.random.SeedSequence(3), 0).simulation.assessments
    assessed = sorted(r.year for r in records if r.verdict.assessed)
    assert assessed == [2025, 2026]
    assert all(r.verdict.points == 0 and r.verdict.passed for r in records if not r.verdict.assessed)


FDI = {"weight": 1.0, "region_growth": 0.05, "min_base": 10 * M, "window_years": 3}


def test_foreign_capital_is_the_growth_of_a_three_year_sum():
    # Flat 50 M a year with one 300 M project in 2026: the three-year sum is 150 M, then 450 M from 2026 to
    # 2028, then 150 M again. Growth: 2026 +300/150 = +200%, 2027 and 2028 exactly 0, 2029 −300/450 = −66.7%;
    # year on year it would be +600% in 2026 and −85.7% in 2027, back to back.
    fdi = rule({"fdi": FDI}, excess_growth_cap=10)
    years = dict(zip(range(2022, 2031), [50, 50, 50, 50, 350, 50, 50, 50, 50], strict=True))
    history = [{"fdi": v * M} for v in years.values()]
    growth = {y: assess(fdi, history[: k + 1], 0).growth["fdi"] for k, y in enumerate(years) if k}
    assert growth[2026] == pytest.approx(2.0) and growth[2029] == pytest.approx(-300 / 450)
    assert growth[2027] == growth[2028] == growth[2030] == 0.0
    # while the zone is younger than the window, the sums are as long as its years allow: 2023 is 50 / 50,
    # 2024 (50 + 50) / (50 + 50)
    assert growth[2023] == growth[2024] == growth[2025] == 0.0


def _year_on_year(history: list[dict[str, float]]) -> float:
    """The rule before this one, written out as the reference: year-on-year growth, uncapped, no points where
    the year before had nothing; trade and foreign capital weighted 0.5 against 8% and 5%."""
    points = 0.0
    for name, region in (("trade", 0.08), ("fdi", 0.05)):
        before, now = history[-2][name], history[-1][name]
        if before > 0:
            points += 0.5 * (now / before - 1 - region) * 100
    return points


def _revoked(points_by_year: list[float], pass_score: float) -> bool:
    return any(a < pass_score and b < pass_score for a, b in zip(points_by_year, points_by_year[1:], strict=False))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_in_every_bundled_scenario_foreign_capital_alone_cannot_fail_a_zone(path):
    # Foreign capital's largest loss (weight × points per pp × 100 × cap) does not reach the pass line, so it
    # can fail a zone only together with a shortfall of the other indicators.
    a = load_scenario(path).assessment
    fdi = a.indicators.get("fdi")
    assert fdi is None or fdi.window_years == 3
    assert fdi is None or fdi.weight * a.points_per_pp * 100 * a.excess_growth_cap <= -a.pass_score


def test_one_lumpy_foreign_project_cannot_decide_revocation():
    # The pattern the issue saw: trade keeps pace with the region (+8% a year); foreign projects of 120 M and
    # 60 M land in consecutive years, then none. Year on year, the 60 M project's landing revokes the zone
    # (120 → 60 is −50%, then 60 → 0 is −100%: two failed years) while without it the zone survives.
    nanning = load_scenario(ROOT / "scenarios" / "guangxi" / "nanning.yaml").assessment
    trade = [100 * M * 1.08**k for k in range(9)]

    def histories(fdi):
        return [{"trade": t, "fdi": f * M} for t, f in zip(trade, fdi, strict=True)]

    with_project = histories([0, 0, 120, 60, 0, 0, 0, 0, 0])
    without = histories([0, 0, 120, 0, 0, 0, 0, 0, 0])
    old = {n: [_year_on_year(h[: k + 1]) for k in range(1, 9)] for n, h in (("with", with_project), ("w/o", without))}
    assert _revoked(old["with"], nanning.pass_score) and not _revoked(old["w/o"], nanning.pass_score)
    # Now: neither history fails a single year, so neither is revoked.
    for h in (with_project, without):
        verdicts = {2023 + k: assess(nanning, h[: k + 1], 0) for k in range(9)}
        assert all(v.passed for v in verdicts.values())
        assert revocation_year(nanning, {y: v.passed for y, v in verdicts.items() if v.assessed}) is None
    # Nor does any other lumpy history: 0–3 projects of 60 M a year, drawn at random.
    draw = random.Random(11)
    for _ in range(300):
        h = histories([60 * draw.choice([0, 0, 1, 1, 2, 3]) for _ in range(9)])
        assert all(assess(nanning, h[: k + 1], 0).passed for k in range(9))


def test_two_failed_years_in_a_row_revoke():
    two = rule({"trade": TRADE})
    assert revocation_year(two, {2022: True, 2023: False, 2024: False, 2025: False}) == 2024
    assert revocation_year(two, {2022: False, 2023: True, 2024: False, 2025: True}) is None  # fail-pass-fail
    assert revocation_year(two, {2022: False, 2024: False}) is None  # not consecutive years
    assert revocation_year(rule({"trade": TRADE}, revoke_after_failed_years=3), {2022: False, 2023: False}) is None
    # from the figures: trade 100 → 90 → 80 M (−10%, −11.1% against 5%) fails twice; 100 → 90 → 100 → 90 does not
    falling = [{"trade": v * M} for v in (100, 90, 80)]
    passed = {2023 + k: assess(two, falling[: k + 1], 0).passed for k in range(1, 3)}
    assert passed == {2024: False, 2025: False} and revocation_year(two, passed) == 2025
    wobbling = [{"trade": v * M} for v in (100, 90, 100, 90)]
    passed = {2023 + k: assess(two, wobbling[: k + 1], 0).passed for k in range(1, 4)}
    assert passed == {2024: False, 2025: True, 2026: False} and revocation_year(two, passed) is None


def test_defaults_come_from_the_parameter_files():
    # An indicator without min_base / window_years takes model.yaml's: money 10 M yuan, foreign capital over
    # 36 months (three years), everything else year on year; market entities must state their smallest base.
    a = rule({"trade": {"weight": 1, "region_growth": 0}, "fdi": {"weight": 1, "region_growth": 0}})
    assert a.indicators["trade"].min_base == parameter("model.assessment.min_base_yuan").latest == 10 * M
    assert (a.indicators["trade"].window_years, a.indicators["fdi"].window_years) == (1, 3)
    assert a.excess_growth_cap == float(parameter("model.assessment.excess_growth_cap").latest)
    employment = rule({"employment": {"weight": 1, "region_growth": 0}}).indicators["employment"]
    assert employment.min_base == parameter("model.assessment.min_base_persons").latest
    with pytest.raises(ValueError, match="min_base"):
        rule({"entities": {"weight": 1, "region_growth": 0}})
    assert rule({"entities": {"weight": 1, "region_growth": 0, "min_base": 20}}).indicators["entities"].min_base == 20
