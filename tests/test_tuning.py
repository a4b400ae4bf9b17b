"""Ratio tuning: the yardsticks against hand-worked cases, then settled back at the ratios they find."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis import bargaining

ROOT = Path(__file__).resolve().parents[1]
NANNING = ROOT / "scenarios" / "guangxi" / "nanning.yaml"


# --- pure math, hand-worked -------------------------------------------------------------------------------


def test_nash_of_two_linear_gains():
    # origin gains 100x − 20, host gains 80(1 − x) − 10: product maximal where
    # d/dx (100x − 20)(70 − 80x) = 100·70 − 160·100x + 20·80 = 0 → x = (7000 + 1600) / 16000 = 0.5375
    origin = lambda x: 100 * x - 20  # noqa: E731
    host = lambda x: 80 * (1 - x) - 10  # noqa: E731
    assert bargaining.nash(origin, host, 0.2, 0.875) == pytest.approx(0.5375, abs=1e-6)
    # restricted to a range below the optimum, the best is its upper end
    assert bargaining.nash(origin, host, 0.25, 0.4) == pytest.approx(0.4, abs=1e-6)
    # nowhere both positive: no solution
    assert bargaining.nash(origin, lambda x: -1.0, 0.0, 1.0) is None


def test_nash_with_equal_linear_gains_splits_the_surplus_equally():
    # joint gain 60 split by x with disagreement points 0: x·60 · (1 − x)·60 is maximal at x = 1/2
    assert bargaining.nash(lambda x: 60 * x, lambda x: 60 * (1 - x), 0.0, 1.0) == pytest.approx(0.5, abs=1e-6)


def test_shapley_of_three_players_by_hand():
    # one origin O and two zones A, B: v(O,A) = 60, v(O,B) = 40, v(O,A,B) = 90 (they compete for the
    # origin's projects, so 90 < 100), every other coalition 0.
    v = {frozenset("OA"): 60.0, frozenset("OB"): 40.0, frozenset("OAB"): 90.0}
    calls = []

    def value(s: frozenset) -> float:
        calls.append(s)
        return v.get(s, 0.0)

    phi = bargaining.shapley("OAB", value)
    # orders OAB OBA AOB ABO BOA BAO — O adds 0 0 60 90 40 90 → 280/6; A adds 60 50 0 0 50 0 → 160/6;
    # B adds 30 40 30 0 0 0 → 100/6
    assert phi["O"] == pytest.approx(280 / 6)
    assert phi["A"] == pytest.approx(160 / 6)
    assert phi["B"] == pytest.approx(100 / 6)
    assert sum(phi.values()) == pytest.approx(90)
    assert len(set(calls)) == 8  # every coalition valued once


def test_shapley_symmetric_players_share_equally():
    phi = bargaining.shapley([1, 2], lambda s: 10.0 if len(s) == 2 else 0.0)
    assert phi == {1: 5.0, 2: 5.0}


def test_break_even_roots():
    grid = np.linspace(0, 1, 21)
    f = lambda x: 3 * x - 1  # noqa: E731  root 1/3, between grid points
    assert bargaining.break_even(f, grid, f(grid), lowest=True) == pytest.approx(1 / 3, abs=1e-7)
    g = lambda x: (x - 0.2) * (x - 0.7)  # noqa: E731  two roots: lowest 0.2 (a grid point), highest 0.7
    assert bargaining.break_even(g, grid, g(grid), lowest=True) == pytest.approx(0.2, abs=1e-7)
    assert bargaining.break_even(g, grid, g(grid), lowest=False) == pytest.approx(0.7, abs=1e-7)
    assert bargaining.break_even(lambda x: 1.0, grid, np.ones(21), lowest=True) is None


def test_formula_share_weights():
    origin = {"revenue": 30.0, "payroll": 20.0, "assets": 0.0}
    host = {"revenue": 70.0, "payroll": 80.0, "assets": 100.0}
    assert bargaining.formula_share(origin, host) == pytest.approx(0.35 * 0.3 + 0.35 * 0.2 + 0.30 * 0.0)
    # a factor neither side has is left out and the others re-weighted
    assert bargaining.formula_share(
        {"revenue": 1.0, "payroll": 1.0, "assets": 0.0}, {"revenue": 1.0, "payroll": 3.0, "assets": 0.0}
    ) == pytest.approx((0.35 * 0.5 + 0.35 * 0.25) / 0.7)


def test_participation_margin_counts_replications():
    values = np.array([-5.0, -1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])  # 8 of 10 positive
    assert bargaining.margin(values, 0.8) == 2.0  # ≥ 80% positive: margin positive
    assert bargaining.margin(values, 0.9) == -1.0  # not ≥ 90%
    assert (bargaining.margin(values, 0.8) > 0) == ((values > 0).mean() >= 0.8)


# --- wired to the model (the gains API of analysis/projection.py) ------------------------------------------

REPLICATIONS = 3


@pytest.fixture(scope="module")
def nanning():
    from sim.scenario.loading import load_scenario

    return load_scenario(NANNING)


@pytest.fixture(scope="module")
def tuned(nanning):
    from analysis.tuning import tune

    return tune(nanning, "nanning", replications=REPLICATIONS, seed=7)


def _pv_by_hand(scenario, outcomes, party, rate=0.03):
    """Each replication's 10-year PV net gain of `party`, summed year by year (independent of tuning.pv_gains)."""
    from analysis.projection import holders, net_benefit

    row = holders(scenario).index(party)
    out = []
    for outcome in outcomes:
        gain = net_benefit(scenario, outcome)[row]
        out.append(sum(int(gain[t]) / 100 / (1 + rate) ** t for t in range(min(10, scenario.horizon.years))))
    return np.array(out)


def test_feasible_ends_are_where_the_gains_cross_zero(tuned, nanning):
    from analysis.tuning import with_share

    assert tuned.feasible is not None, "the bundled Nanning agreement should have a feasible range"
    low, high = tuned.feasible
    outcomes = tuned.baseline.outcomes
    level = bargaining.participation_level(REPLICATIONS, tuned.confidence)

    def margins(x):
        variant = with_share(nanning, 0, "flat", x)
        o = np.sort(_pv_by_hand(variant, outcomes, "nanning_ftz"))[level]
        h = np.sort(_pv_by_hand(variant, outcomes, "nanning_cdz"))[level]
        return o, h

    o_low, h_low = margins(low)
    o_high, h_high = margins(high)
    assert o_low > 0 and h_low > 0 and o_high > 0 and h_high > 0  # both ends are feasible themselves
    if low > 0:
        assert margins(low - 1e-4)[0] <= 0 or margins(low - 1e-4)[1] <= 0  # just outside: someone loses
    if high < 1:
        assert margins(high + 1e-4)[0] <= 0 or margins(high + 1e-4)[1] <= 0


def test_tuned_ratio_settles_like_a_run_with_that_ratio_written_in(tuned, nanning):
    from analysis.projection import party_receipts, project

    x = tuned.tuned
    assert x is not None
    agreement = nanning.agreements[0]
    written = agreement.model_copy(
        update={"ratio": {"basis": "calendar_year", "schedule": [{"from": 2025, "origin": x}]}}
    )
    scenario = nanning.model_copy(update={"agreements": [written]})
    run = project(scenario, tuned.seed, REPLICATIONS)
    for mine, theirs in zip(tuned.baseline.outcomes, run.outcomes, strict=True):
        assert np.array_equal(party_receipts(scenario, mine), party_receipts(scenario, theirs))
    sample = tuned.samples[x]
    np.testing.assert_allclose(sample.origin, _pv_by_hand(scenario, run.outcomes, "nanning_ftz"), rtol=0, atol=0.01)
    np.testing.assert_allclose(sample.host, _pv_by_hand(scenario, run.outcomes, "nanning_cdz"), rtol=0, atol=0.01)


def test_nash_of_the_model_is_the_best_product_on_a_fine_grid(tuned):
    low, high = tuned.feasible
    nash = tuned.candidates["nash"]
    best = tuned.samples[nash].origin.mean() * tuned.samples[nash].host.mean()
    for s in tuned.samples.values():
        if low <= s.share <= high:
            assert s.origin.mean() * s.host.mean() <= best * (1 + 1e-9)


def test_infeasible_scenario_says_who_blocks_and_exits_0(tmp_path, capsys):
    import yaml

    from analysis.cli import main

    data = yaml.safe_load(NANNING.read_text(encoding="utf-8"))
    # joint costs far beyond ten years of shared tax: no split leaves both sides better off
    data["agreements"][0]["cost_sharing"] = [{"year": 2025, "amount_yuan": 50_000_000_000, "origin": 0.5}]
    path = tmp_path / "costly.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["tune", str(path), "--agreement", "nanning", "--out", str(out), "--replications", "2"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "没有可行比例" in printed and "元" in printed
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["feasible"] is None
    assert summary["infeasible"]["side"] in ("origin", "host", "both")
    assert summary["infeasible"]["shortfall_yuan"] > 0
    assert summary["candidates"]["nash"] is None
    assert {p.name for p in out.iterdir()} >= {"tuning.csv", "summary.json", "tuning.xlsx", "tuning.png", "report.pdf"}


def test_cli_writes_grid_and_candidates(tmp_path):
    import pandas as pd

    from analysis.cli import main

    out = tmp_path / "tune"
    assert main(["tune", str(NANNING), "--agreement", "nanning", "--out", str(out), "--replications", "2"]) == 0
    grid = pd.read_csv(out / "tuning.csv")
    assert list(grid.columns[:3]) == ["origin_share", "origin_gain", "host_gain"]
    assert set(np.round(np.linspace(0, 1, 21), 6)) <= set(grid["origin_share"].round(6))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["candidates"]) >= {
        "nash",
        "shapley",
        "break_even_origin",
        "break_even_host",
        "formula",
        "current",
    }
    assert summary["candidates"]["shapley"] is None  # one agreement, two parties
    for share in summary["candidates"].values():
        if share is not None:
            assert round(share, 6) in set(grid["origin_share"].round(6))


def test_unknown_agreement_and_bad_confidence_are_input_errors(tmp_path, capsys):
    from analysis.cli import main

    out = tmp_path / "x"
    assert main(["tune", str(NANNING), "--agreement", "nanningg", "--out", str(out)]) == 2
    assert "nanning" in capsys.readouterr().err
    assert main(["tune", str(NANNING), "--agreement", "nanning", "--out", str(out), "--confidence", "1.5"]) == 2
    assert not out.exists()
