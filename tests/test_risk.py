"""Risk figures against a hand-built set of replications: every expected figure is worked out by hand below."""

from types import SimpleNamespace

import numpy as np
import pytest

from analysis import risk

YEARS = np.array([2021, 2022, 2023, 2024])


def test_mean_fen_rounds_half_away_from_zero_in_integers():
    assert risk.mean_fen(np.array([[1], [2]])).tolist() == [2]  # 1.5 → 2
    assert risk.mean_fen(np.array([[-1], [-2]])).tolist() == [-2]  # −1.5 → −2
    assert risk.mean_fen(np.array([[1], [1], [2]])).tolist() == [1]  # 1.33 → 1
    big = 2**60  # far beyond float's 2⁵³: the integer arithmetic keeps every fen
    assert risk.mean_fen(np.array([[big + 1], [big + 2]])).tolist() == [big + 2]


def test_gains_add_up_on_every_row_and_the_region_is_the_sum():
    # 4 replications × 2 holders × 2 years, fen. Holder 0 gains 10, 20, 30, 41 in year 1 (with − without).
    with_ = np.array(
        [
            [[110, 200], [50, 7]],
            [[120, 200], [51, 7]],
            [[130, 200], [52, 7]],
            [[141, 200], [53, 8]],
        ]
    )
    without = np.array(
        [
            [[100, 250], [50, 7]],
            [[100, 250], [50, 7]],
            [[100, 250], [50, 7]],
            [[100, 250], [50, 7]],
        ]
    )
    g = risk.gain_figures(with_, without)
    # means: holder 0 year 1 with (110+120+130+141)/4 = 125.25 → 125, without 100 → gain 25
    assert g.with_agreement[0].tolist() == [125, 200] and g.without_agreement[0].tolist() == [100, 250]
    assert g.gain[0].tolist() == [25, -50]
    # holder 1: with 51.5 → 52, 7.25 → 7; the region: with 110+50=160, 171, 182, 194 → 176.75 → 177
    assert g.with_agreement[1].tolist() == [52, 7]
    assert g.with_agreement[2].tolist() == [177, 207] and g.without_agreement[2].tolist() == [150, 257]
    assert (g.gain == g.with_agreement - g.without_agreement).all()
    # gain percentiles (linear): holder 0 year 1 gains 10, 20, 30, 41 → p5 at 0.15: 11.5 → 12; p95 at 2.85: 39.35
    assert g.gain_p5[0, 0] == 12 and g.gain_p95[0, 0] == 39
    # over the horizon: totals −40, −30, −20, −9 → median −25, p5 −38.5 → −39, p95 −10.65 → −11 (half away from 0)
    assert g.total_gain_median[0] == -25 and g.total_gain_p5[0] == -39 and g.total_gain_p95[0] == -11


def test_probabilities_and_value_at_risk():
    totals = np.array([[100, -5], [200, 0], [300, 7], [400, 9], [500, -1]])  # [replication, holder]
    assert risk.probability_positive(totals).tolist() == [1.0, 0.4]
    # 5th percentile of 100..500 (5 replications): index 0.2 → 120
    assert risk.value_at_risk(totals)[0] == pytest.approx(120.0)


def test_revocation_by_year_counts_revoked_that_year_or_before():
    revoked = np.array([[2022, 0], [0, 0], [2024, 0], [0, 2021]])  # [replication, zone]
    by = risk.revoked_by_year(revoked, YEARS)
    assert by[0].tolist() == [0.0, 0.25, 0.25, 0.5]
    assert by[1].tolist() == [0.25, 0.25, 0.25, 0.25]


def test_floor_and_cap_flags():
    flags = np.zeros((4, 1, 4), bool)
    flags[0, 0, 1] = flags[1, 0, 1] = flags[1, 0, 3] = True  # binds in 2022 in two replications, 2024 in one
    assert risk.ever(flags).tolist() == [0.5]
    assert risk.by_year(flags)[0].tolist() == [0.0, 0.5, 0.0, 0.25]
    assert risk.by_year_or_before(flags)[0].tolist() == [0.0, 0.5, 0.5, 0.5]


def test_pass_rates_leave_out_years_not_assessed():
    passed = np.array([[[-1, 1, 0, 1]], [[-1, 1, 1, 1]]], np.int8)  # 6 assessed zone-years, 5 passed
    overall, yearly = risk.pass_rates(passed)
    assert overall[0] == pytest.approx(5 / 6)
    assert np.isnan(yearly[0, 0]) and yearly[0, 1:].tolist() == [1.0, 0.5, 1.0]


def _scenario():
    agreement = SimpleNamespace(
        floor=SimpleNamespace(host_yearly_yuan=None), cap=SimpleNamespace(origin_cumulative_yuan=None)
    )
    floored = SimpleNamespace(
        id="b",
        host="zone_b",
        floor=SimpleNamespace(host_yearly_yuan=1.0),
        cap=SimpleNamespace(origin_cumulative_yuan=9),
    )
    return SimpleNamespace(
        agreements=[SimpleNamespace(id="a", host="zone_a", **agreement.__dict__), floored], assessment=object()
    )


def test_risk_summary_of_hand_built_replications():
    n = 4
    with_ = np.zeros((n, 3, 4), np.int64)
    without = np.zeros((n, 3, 4), np.int64)
    with_[:, 0, 0] = [1000, 2000, 3000, 4000]  # the origin's 10-year receipts; without: 2500 each
    without[:, 0, 0] = 2500  # gains −1500, −500, 500, 1500 → positive in half
    with_[:, 1, 0], without[:, 1, 0] = 10, 0  # the host always gains
    with_[:, 2, 0], without[:, 2, 0] = 0, 300  # the province always loses 300; the region: 0−500+... see below
    floor = np.zeros((n, 2, 4), bool)
    floor[2, 1, 0] = True
    cap = np.zeros((n, 2, 4), bool)
    cap[0, 1, 2] = cap[0, 1, 3] = cap[3, 1, 3] = True
    reps = risk.Replications(
        holders=["ftz", "zone", "province"],
        years=YEARS,
        with_agreement=with_,
        without_agreement=without,
        net_benefit=with_ - without,
        revoked_year=np.array([[2023, 0], [0, 0], [0, 0], [2022, 0]]),
        floor_binds=floor,
        cap_reached=cap,
        passed=np.zeros((n, 2, 4), np.int8),
        land={"landed": np.array([3.0, 4, 5, 6])},
        role_totals=np.zeros((n, 2), np.int64),
    )
    out = risk.risk_summary(_scenario(), reps)
    # region gains: −1500+10−300 = −1790, −790, 210, 1210 → half positive
    assert out["gain_positive"] == {"ftz": 0.5, "zone": 1.0, "province": 0.0, "region": 0.5}
    # origin's receipts 1000..4000 fen: p5 at index 0.15 → 1150 fen = 11.50 yuan; median 2500 fen
    assert out["value_at_risk"]["ftz"] == {
        "receipts_p5_yuan": "11.50",
        "receipts_median_yuan": "25.00",
        "shortfall_yuan": "13.50",
    }
    assert out["revocation"]["a"]["probability"] == 0.5
    assert out["revocation"]["a"]["by_year"] == {"2021": 0.0, "2022": 0.25, "2023": 0.5, "2024": 0.5}
    assert out["revocation"]["b"]["probability"] == 0.0
    assert list(out["host_floor_binds"]) == ["b"] and out["host_floor_binds"]["b"]["probability"] == 0.25
    assert out["origin_cap_reached"]["b"]["by_year"] == {"2021": 0.0, "2022": 0.0, "2023": 0.25, "2024": 0.5}


def test_land_counts_read_whole_and_hectares_with_two_decimals():
    from analysis.risk import land_view

    land = {
        "landed": {"median": 1365.0, "p5": 757.8, "p95": 2154.4},
        "zone_granted": {"median": 1473.04, "p5": 1.5, "p95": 2e3},
    }
    text = land_view(None, {"over_replications": {"replications": 5, "land": land}}, "zh").text()
    assert text.iloc[0, 1:].tolist() == ["1,365", "758", "2,154"]  # a 5% percentile of counts, rounded to a count
    assert text.iloc[1, 1:].tolist() == ["1,473.04", "1.50", "2,000.00"]
