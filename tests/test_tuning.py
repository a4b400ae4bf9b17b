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
    weights = {"revenue": 0.35, "payroll": 0.35, "assets": 0.30}
    origin = {"revenue": 30.0, "payroll": 20.0, "assets": 0.0}
    host = {"revenue": 70.0, "payroll": 80.0, "assets": 100.0}
    assert bargaining.formula_share(origin, host, weights) == pytest.approx(0.35 * 0.3 + 0.35 * 0.2 + 0.30 * 0.0)
    # a factor neither side has is left out and the others re-weighted
    assert bargaining.formula_share(
        {"revenue": 1.0, "payroll": 1.0, "assets": 0.0}, {"revenue": 1.0, "payroll": 3.0, "assets": 0.0}, weights
    ) == pytest.approx((0.35 * 0.5 + 0.35 * 0.25) / 0.7)


def test_formula_weights_are_the_national_parameters():
    from analysis.tuning import formula_weights
    from sim.parameters import parameter

    # 国税发〔2008〕28号 第二十三条, kept by 国家税务总局公告2012年第57号: 0.35 / 0.35 / 0.30
    assert formula_weights(2025) == {"revenue": 0.35, "payroll": 0.35, "assets": 0.30}
    assert parameter("national.branch_apportionment.assets").unit == "share"


def test_maximise_keeps_a_best_end_and_refines_inside():
    grid = np.linspace(0, 1, 21)
    calls = []

    def falling(x):
        calls.append(x)
        return -x

    assert bargaining.maximise(falling, 0.3, 0.9, grid=grid) == 0.3  # best at the lower end: kept
    assert len(calls) == 13 + 1  # the shares 0.3, 0.35, …, 0.9 and one step inside the end: no search
    peak = bargaining.maximise(lambda x: -((x - 0.4321) ** 2), 0.0, 1.0, grid=grid)
    assert peak == pytest.approx(0.4321, abs=1e-6)


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


def test_resplit_of_one_agreement_is_exact_for_every_shape(tuned, nanning):
    """Splitting only the tuned agreement again gives net_benefit's rows to the fen (int64), for each shape."""
    from analysis.projection import holders, net_benefit, resplit
    from analysis.tuning import Resplit, with_share

    capped = nanning.model_copy(
        update={"agreements": [nanning.agreements[0].model_copy(update={"cap": {"origin_cumulative_yuan": 3e8}})]}
    )
    rows = [holders(nanning).index(p) for p in ("nanning_ftz", "nanning_cdz")]
    for scenario, shape, x in ((nanning, "flat", 0.37), (nanning, "phased", 0.42), (capped, "capped_term", 0.8)):
        baseline = resplit(scenario, tuned.baseline)
        variant = with_share(scenario, 0, shape, x)
        fast = Resplit(baseline, 0, ["nanning_ftz", "nanning_cdz"], 0.03).net(variant)
        plain = np.stack([net_benefit(variant, o)[rows] for o in baseline.outcomes])
        assert fast.dtype == np.int64 and np.array_equal(fast, plain), shape


# --- three parties: one FTZ area, two zones, simulated --------------------------------------------------

THREE = {
    "parties": [
        {"id": "ftz", "kind": "ftz_area", "name": "片区", "land_ha": 5},
        {"id": "za", "kind": "collaborative_zone", "name": "甲协同区", "land_ha": 40},
        {"id": "zb", "kind": "collaborative_zone", "name": "乙协同区", "land_ha": 25},
    ],
    "agreements": [
        {"id": "a", "origin": "ftz", "host": "za", "ratio": {"schedule": [{"from": 2023, "origin": 0.6}]}},
        {"id": "b", "origin": "ftz", "host": "zb", "ratio": {"schedule": [{"from": 2023, "origin": 0.5}]}},
    ],
}


def _three(agreements=("a", "b")):
    from tests.sim_builders import world

    kept = [a for a in THREE["agreements"] if a["id"] in agreements]
    return world(
        industry={"ftz_entities": 300, "reinvest_rate_per_year": 0.1},
        parties=THREE["parties"],
        agreements=kept,
        horizon={"start_year": 2023, "years": 10},
    )


def test_shapley_of_one_origin_and_two_zones_from_simulated_coalitions():
    """Coalition values projected here, each coalition's scenario written out (not the tool's removal), gains
    summed by hand; the Shapley value by the average over the 3! orders of joining."""
    import itertools

    from analysis.projection import project
    from analysis.tuning import tune

    seed, replications = 3, 2
    found = tune(_three(), "a", replications=replications, seed=seed)
    by_hand = {frozenset(): 0.0}
    for members, kept in (("ftz", ()), ("za", ()), ("zb", ()), ("za zb", ())) + (
        ("ftz za", ("a",)),
        ("ftz zb", ("b",)),
        ("ftz za zb", ("a", "b")),
    ):
        coalition = frozenset(members.split())
        if not kept:  # no agreement among them: nothing changes for them
            by_hand[coalition] = 0.0
            continue
        scenario = _three(kept)
        outcomes = project(scenario, seed, replications).outcomes
        by_hand[coalition] = float(sum(_pv_by_hand(scenario, outcomes, p) for p in coalition).mean())
    assert by_hand[frozenset({"ftz", "za"})] > 0 and by_hand[frozenset({"ftz", "zb"})] > 0  # a game worth playing
    for coalition, value in found.shapley.coalitions.items():
        assert value == pytest.approx(by_hand[coalition], rel=1e-9, abs=1e-3)
    players = ["ftz", "za", "zb"]
    phi = dict.fromkeys(players, 0.0)
    for order in itertools.permutations(players):
        before: frozenset = frozenset()
        for p in order:
            phi[p] += (by_hand[before | {p}] - by_hand[before]) / 6
            before = before | {p}
    for p in players:
        assert found.shapley.values[p] == pytest.approx(phi[p], rel=1e-9)
    # the Shapley candidate: of every share evaluated, none comes closer to (φ_ftz, φ_za) for agreement a
    x = found.candidates["shapley"]
    assert x is not None

    def distance(s):
        return (s.origin.mean() - phi["ftz"]) ** 2 + (s.host.mean() - phi["za"]) ** 2

    assert all(distance(found.samples[x]) <= distance(s) * (1 + 1e-9) for s in found.samples.values())


def test_resplit_leaves_the_other_agreement_as_it_is():
    from analysis.projection import holders, net_benefit, project
    from analysis.tuning import Resplit, with_share

    scenario = _three()
    baseline = project(scenario, 5, 2)
    for index, parties in ((0, ["ftz", "za"]), (1, ["ftz", "zb"])):
        variant = with_share(scenario, index, "flat", 0.25)
        rows = [holders(scenario).index(p) for p in parties]
        plain = np.stack([net_benefit(variant, o)[rows] for o in baseline.outcomes])
        assert np.array_equal(Resplit(baseline, index, parties, 0.03).net(variant), plain)


# --- behaviour responding to the shares -----------------------------------------------------------------


def _responsive(**behavior):
    from tests.sim_builders import world

    elastic = {"origin_referral_elasticity": 0.5, "host_service_elasticity": 0.5, **behavior}
    return world(
        industry={"ftz_entities": 400, "reinvest_rate_per_year": 0.1},
        parties=[{"id": "ftz", "kind": "ftz_area", "name": "片区", "land_ha": 5}, THREE["parties"][1] | {"id": "zone"}],
        horizon={"start_year": 2023, "years": 10},
        behavior=elastic,
    )


def test_behavioural_tune_simulates_what_it_reports_against_the_written_ratio():
    from analysis.projection import project
    from analysis.tuning import tune, with_share

    scenario = _responsive()
    found = tune(scenario, "a", objective="joint", replications=2, seed=4)
    assert found.method == "resimulate" and "tune_note_interpolated" in found.notes
    joint = {x: s.origin.mean() + s.host.mean() for x, s in found.samples.items()}
    assert len({round(v, 2) for v in joint.values()}) > 10  # effort responds: the total depends on the split
    x = found.candidates["joint"]
    assert x is not None and x in found.samples
    # the share written in, effort measured against the scenario's own ratio (0.6) — an independent run
    written = with_share(scenario, 0, "flat", x)
    written = written.model_copy(
        update={"behavior": written.behavior.model_copy(update={"reference_origin_share": 0.6})}
    )
    outcomes = project(written, 4, 2).outcomes
    np.testing.assert_allclose(found.samples[x].origin, _pv_by_hand(written, outcomes, "ftz"), rtol=0, atol=0.01)
    np.testing.assert_allclose(found.samples[x].host, _pv_by_hand(written, outcomes, "zone"), rtol=0, atol=0.01)


def test_behavioural_tune_needs_a_named_reference_when_first_phases_differ():
    from analysis.tuning import status_quo_effort
    from sim.errors import InputError

    scenario = _three().model_copy(
        update={"behavior": {"origin_referral_elasticity": 0.5, "host_service_elasticity": 0.0}}
    )
    with pytest.raises(InputError) as error:
        status_quo_effort(scenario, 0, "three.yaml")
    assert error.value.key == "tune_behavior_needs_reference"
    named = scenario.model_copy(
        update={"behavior": scenario.behavior.model_copy(update={"reference_origin_share": 0.5})}
    )
    assert status_quo_effort(named, 0, "three.yaml") is named


def test_a_given_projection_of_the_same_scenario_is_re_split_not_simulated_again(tuned, nanning):
    from analysis.tuning import tune

    again = tune(nanning, "nanning", replications=REPLICATIONS, seed=7, baseline=tuned.baseline)
    assert again.baseline is tuned.baseline  # no new simulation: the very projection given
    assert again.candidates == tuned.candidates
    # another seed's projection is not this scenario's: simulated anew
    other = tune(nanning, "nanning", replications=REPLICATIONS, seed=8, baseline=tuned.baseline)
    assert other.baseline is not tuned.baseline


def test_explain_of_a_tuning_folder_gives_each_partys_gain_and_break_even(tmp_path, capsys):
    from analysis.cli import main
    from analysis.projection import project
    from sim.scenario.loading import load_scenario

    out = tmp_path / "tune"
    assert main(["tune", str(NANNING), "--agreement", "nanning", "--out", str(out), "--replications", "2"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    capsys.readouterr()
    explain = [
        "explain",
        str(NANNING),
        "--tuning",
        str(out),
        "--agreement",
        "nanning",
        "--share",
        "0.5",
        "--lang",
        "en",
    ]
    assert main(explain) == 0
    lines = capsys.readouterr().out.splitlines()
    # the origin's gain at 0.5, by hand: a run with 50:50 written in, each replication's PV summed year by year
    nanning = load_scenario(NANNING)
    written = nanning.agreements[0].model_copy(
        update={"ratio": {"basis": "calendar_year", "schedule": [{"from": 2025, "origin": 0.5}]}}
    )
    scenario = nanning.model_copy(update={"agreements": [written]})
    by_hand = _pv_by_hand(scenario, project(scenario, summary["seed"], 2).outcomes, "nanning_ftz").mean()
    gain = next(line for line in lines if "Nanning area's 10-year gain" in line)
    assert f"{by_hand:,.2f} yuan" in gain
    even = next(line for line in lines if "Nanning area breaks even at" in line)
    assert f"{summary['candidates']['break_even_origin']:.6f}" in even
    # a share the table does not hold, another agreement, another scenario: the one-line error
    assert main([*explain[:-4], "--share", "0.123"]) == 2
    assert main([*explain[:4], "--agreement", "other", "--share", "0.5"]) == 2
    assert main(["explain", str(ROOT / "scenarios/guangxi/qinzhou.yaml"), *explain[2:]]) == 2


def test_tuning_chart_draws_each_party_in_the_colour_the_receipts_chart_does(tuned, nanning):
    """An official reads one chart after the other: the origin must not be red in one and blue in the next."""
    from matplotlib.colors import to_hex

    from analysis.outputs.charts import receipts_chart
    from analysis.outputs.presentation import Names
    from analysis.outputs.tuning_files import chart

    years = nanning.horizon.years
    origin_line, host_line = receipts_chart(nanning, np.ones((1, 1, years, 3), np.int64)).axes[0].get_lines()
    drawn = {line.get_label(): to_hex(line.get_color()) for line in chart(tuned).axes[0].get_lines()}
    names = Names(nanning, "zh")
    origin, host = tuned.party_ids
    assert drawn[names.party(origin)] == to_hex(origin_line.get_color())
    assert drawn[names.party(host)] == to_hex(host_line.get_color())
    assert drawn[names.party(origin)] != drawn[names.party(host)]


def test_a_share_that_is_several_candidates_names_them_as_the_language_lists(tuned):
    from dataclasses import replace

    from analysis.outputs.tuning_files import people_view

    both = replace(tuned, candidates={**tuned.candidates, "host_share": tuned.candidates["nash"]})  # one share
    for lang, separator, other in (("zh", "、", ", "), ("en", ", ", "、")):
        named = people_view(both, lang).table.iloc[:, -1]
        assert any(separator in v for v in named), lang
        assert not any(other in v for v in named), lang


def test_todays_terms_as_written_stand_beside_their_average_share(tuned, nanning):
    from analysis.outputs.tuning_files import candidates_view, summary

    # Nanning's schedule is 60% to 2027 and 50% after: a flat tune stands in 0.53 for it, and tables the terms too
    written = tuned.written
    assert written is not None and written.share == tuned.candidates["current"] == pytest.approx(0.53)
    outcomes = tuned.baseline.outcomes
    assert written.origin == pytest.approx(_pv_by_hand(nanning, outcomes, "nanning_ftz"), abs=0.01)
    assert written.host == pytest.approx(_pv_by_hand(nanning, outcomes, "nanning_cdz"), abs=0.01)
    assert written.origin.mean() != pytest.approx(tuned.samples[written.share].origin.mean())  # not the stand-in
    view = candidates_view(tuned, "zh")
    names = list(view.table["候选"])
    row = view.table.iloc[names.index("现行条款原样")]
    assert names.index("现行条款原样") == names.index("现行比例") + 1 and row["来源方分成比例"] == ""
    assert row[view.money[0]] == pytest.approx(round(written.origin.mean() * 100 / view.unit.fen_per, 2))
    assert "2025–2027 年 60%，2028 年起 50%" in row["说明"]
    assert summary(tuned)["written_terms_gain_yuan"]["host"] == pytest.approx(written.host.mean(), abs=0.01)


def test_a_single_flat_share_as_written_has_no_second_row():
    from analysis.outputs.tuning_files import candidate_note, candidates_view
    from analysis.tuning import tune
    from sim.scenario.loading import load_scenario

    flat = tune(load_scenario(ROOT / "scenarios/designs/d1_50_50.yaml"), "nanning", replications=2, seed=7)
    assert flat.written is None and "现行条款原样" not in set(candidates_view(flat, "zh").table["候选"])
    assert candidate_note(flat, "current", "zh") == ""


def test_todays_ratio_says_what_a_flat_share_leaves_out_of_capped_terms():
    from analysis.outputs.tuning_files import candidate_note
    from analysis.tuning import tune
    from sim.scenario.loading import load_scenario

    capped = tune(load_scenario(ROOT / "scenarios/designs/d5_jingjinji_capped.yaml"), "nanning", replications=2, seed=7)
    assert capped.written is not None
    note = candidate_note(capped, "current", "zh")
    assert note.startswith("现行各期比例在前 10 年内的平均") and note.endswith(
        "；单一比例，不含现行条款的封顶与停止分享"
    )
