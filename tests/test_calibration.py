"""Calibration and backtest (`ftzshare calibrate`, analysis/calibration.py).

The recovery test fits series computed by hand from known parameters — expected values of the model's
registrations and revenue, not the code path the fit runs — and asks for the parameters back."""

from __future__ import annotations

import copy
import csv
import json
import math
from pathlib import Path

import pytest
import yaml

from analysis.calibration import calibrate, calibration_of
from analysis.cli import main
from sim.errors import InputError
from sim.scenario.loading import load_scenario, scenario_data, scenario_from_data

HISTORY = Path(__file__).parent.parent / "scenarios" / "guangxi" / "ftz_history.yaml"
TRUE = {"new_per_year": 3000, "registrations_growth": 0.1, "median": 1_000_000, "growth": 0.08}
SIGMA, TRADE_SHARE, SHOCK_P, SHOCK_LOSS = 1.0, 0.3, 0.02, 0.5


def expected_series(years: int = 5) -> tuple[dict[int, float], dict[int, float]]:
    """By hand: cohort k has λ·(1 + h)^k entities; mid-year count of year k is the earlier cohorts and half of
    cohort k. Trade of year k: each cohort j ≤ k × E[revenue] × trade share, grown by g^(k−j),
    g = (1 + mean)(1 − p·loss); E[lognormal] = median · e^{σ²/2}."""
    g = (1 + TRUE["growth"]) * (1 - SHOCK_P * SHOCK_LOSS)
    cohort = [TRUE["new_per_year"] * (1 + TRUE["registrations_growth"]) ** k for k in range(years)]
    mean_revenue = TRUE["median"] * math.exp(SIGMA**2 / 2)
    mid_year = {2019 + k: sum(cohort[:k]) + cohort[k] / 2 for k in range(years)}
    trade = {
        2019 + k: mean_revenue * TRADE_SHARE * sum(cohort[j] * g ** (k - j) for j in range(k + 1)) for k in range(years)
    }
    return mid_year, trade


def synthetic() -> dict:
    """ftz_history.yaml with known true parameters replaced by start values and hand-computed series."""
    data = copy.deepcopy(scenario_data(HISTORY))
    industry = data["population"]["industries"][0]
    industry["revenue_yuan"] = {"median": 2_000_000, "sigma": SIGMA}
    industry["trade_share"] = TRADE_SHARE
    industry["growth"] = {"mean": 0.03, "sd": 0.1, "shock_probability": SHOCK_P, "shock_loss": SHOCK_LOSS}
    data["population"]["shocks"] = {"macro_sd": 0, "industry_sd": 0}
    mid_year, trade = expected_series()
    data["calibration"] = {
        "parameters": [
            {"path": "population.industries[0].new_per_year", "lower": 500, "upper": 20000, "start": 1500},
            {"path": "population.industries[0].new_per_year_growth", "lower": 0.0, "upper": 0.5, "start": 0.0},
            {"path": "population.industries[0].revenue_yuan.median", "lower": 1e5, "upper": 1e7, "start": 2e6},
            {"path": "population.industries[0].growth.mean", "lower": -0.1, "upper": 0.3, "start": 0.03},
        ],
        "series": [
            {
                "id": "entities",
                "name": "主体数",
                "quantity": "entities",
                "unit": "entities",
                "observations": [
                    {"year": y, "at": "mid_year", "value": v, "source": "synthetic"} for y, v in mid_year.items()
                ],
            },
            {
                "id": "trade",
                "name": "进出口",
                "quantity": "trade",
                "unit": "yuan",
                "observations": [{"year": y, "value": v, "source": "synthetic"} for y, v in trade.items()],
            },
        ],
    }
    return data


def test_recovers_known_parameters():
    """Within 2% for registrations, 5% for the revenue median, 0.015 for mean growth (the fixed sample of
    entity profiles and replications leaves a sampling error of well under 1% on each series)."""
    result = calibrate(scenario_from_data(synthetic(), "synthetic"), "synthetic", seed=7, replications=8)
    fitted = list(result.fitted.values())
    assert fitted[0] == pytest.approx(TRUE["new_per_year"], rel=0.02)
    assert fitted[1] == pytest.approx(TRUE["registrations_growth"], abs=0.01)
    assert fitted[2] == pytest.approx(TRUE["median"], rel=0.05)
    assert fitted[3] == pytest.approx(TRUE["growth"], abs=0.015)
    assert result.written["population.industries[0].new_per_year"] == round(fitted[0])
    # the backtest of a fit to exact expectations misses by sampling error only
    assert all(abs(r.error_pct) < 3 for r in result.rows)


def test_fit_to_the_issue_figures_is_the_hand_solution():
    """Registrations alone against 37,000 at mid-2021 and 90,000 at mid-2023 (2.5 and 4.5 cohorts): relative
    least squares gives λ = Σa/Σa² with a = (2.5/37000, 4.5/90000) = 16,639.5."""
    data = synthetic()
    data["population"]["industries"][0]["new_per_year_growth"] = 0  # a constant rate
    data["calibration"]["parameters"] = data["calibration"]["parameters"][:1]
    data["calibration"]["series"] = [data["calibration"]["series"][0]]
    data["calibration"]["series"][0]["observations"] = [
        {"year": 2021, "at": "mid_year", "value": 37000, "source": "issue 9"},
        {"year": 2023, "at": "mid_year", "value": 90000, "source": "issue 9"},
        {"year": 2019, "value": 4724, "weight": 0, "source": "issue 9"},
    ]
    a = (2.5 / 37000, 4.5 / 90000)
    by_hand = sum(a) / sum(x * x for x in a)
    result = calibrate(scenario_from_data(data, "s"), "s", seed=1, replications=4)
    # the normal draws z of the fixed sample move the mean count by about √λ/√(4·5) ≈ 30 per year-end
    assert result.fitted["population.industries[0].new_per_year"] == pytest.approx(by_hand, rel=0.01)
    assert [r.fitted for r in result.rows] == [True, True, False]


def _refused(change, key: str, where: str) -> InputError:
    data = synthetic()
    change(data["calibration"])
    with pytest.raises(InputError) as caught:
        scenario_from_data(data, "bad.yaml")
    assert (caught.value.key, caught.value.where) == (key, where), caught.value.line()
    return caught.value


def _set(*keys_value):
    *keys, value = keys_value

    def change(block):
        node = block
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value

    return change


def test_bad_calibration_blocks_are_refused():
    p0, series0 = "calibration.parameters[0]", "calibration.series[0].observations[0]"
    npy = "population.industries[0].new_per_year"
    error = _refused(
        _set("parameters", 0, "path", "population.industries[0].new_per_yer"), "calibration_path_unknown", f"{p0}.path"
    )
    assert "new_per_year" in error.line()  # the suggestion
    _refused(_set("parameters", 0, "path", npy.replace("[0]", "[3]")), "calibration_path_unknown", f"{p0}.path")
    _refused(_set("parameters", 0, "path", "horizon.years"), "calibration_path_scope", f"{p0}.path")
    _refused(_set("parameters", 0, "path", "population.industries[0].name"), "calibration_path_number", f"{p0}.path")
    _refused(_set("parameters", 0, "path", "population.industries[0].growth"), "calibration_path_number", f"{p0}.path")
    _refused(_set("parameters", 0, "lower", 30000), "calibration_bounds", p0)
    _refused(_set("parameters", 0, "start", 1e6), "calibration_start", p0)
    _refused(_set("parameters", 3, "upper", 5), "calibration_bound_field", "calibration.parameters[3].upper")
    _refused(_set("parameters", 1, "path", npy), "duplicate_id", "calibration.parameters[1].path")
    _refused(_set("series", 1, "unit", "entities"), "calibration_unit", "calibration.series[1]")
    _refused(_set("series", 1, "observations", 0, "at", "mid_year"), "calibration_mid_year", "calibration.series[1]")
    _refused(_set("series", 0, "observations", 0, "year", 2030), "calibration_year", f"{series0}.year")
    _refused(_set("series", 0, "quantity", "jobs"), "expected_one_of", "calibration.series[0].quantity")
    _refused(_set("series", 0, "observations", 0, "value", 0), "too_small", f"{series0}.value")


def test_nothing_to_fit_and_no_block():
    data = synthetic()
    for series in data["calibration"]["series"]:
        for o in series["observations"]:
            o["weight"] = 0
    with pytest.raises(InputError, match="nothing to fit"):
        calibrate(scenario_from_data(data, "s"), "s", seed=1, replications=1)
    with pytest.raises(InputError, match="no calibration block"):
        calibration_of(load_scenario(HISTORY.parent / "nanning.yaml"), "nanning.yaml")


def test_cli_writes_the_files(tmp_path, capsys):
    data = synthetic()
    data["population"]["industries"][0]["new_per_year"] = 300
    data["calibration"]["parameters"][0].update(lower=100, upper=2000, start=300)
    for series in data["calibration"]["series"]:
        for o in series["observations"]:
            o["value"] = o["value"] / 10  # a tenth of the registrations: a small, fast case
    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump(json.loads(json.dumps(data, default=float)), allow_unicode=True), "utf-8")
    out = tmp_path / "out"
    assert main(["calibrate", str(scenario), "--out", str(out), "--replications", "3", "--seed", "5"]) == 0
    assert "calibrated 4 parameters" in capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert {"calibration.json", "scenario_calibrated.yaml", "backtest.csv", "backtest.png", "backtest.svg"} <= names
    with (out / "backtest.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "series", "year", "published", "simulated_median", "simulated_p5", "simulated_p95", "error_pct", "source",
    ]  # fmt: skip
    assert len(rows) == 10 and rows[0]["year"] == "2019.5"
    for row in rows:
        median, published = float(row["simulated_median"]), float(row["published"])
        assert float(row["error_pct"]) == pytest.approx((median / published - 1) * 100, abs=0.06)
        assert float(row["simulated_p5"]) <= median <= float(row["simulated_p95"])
    info = json.loads((out / "calibration.json").read_text("utf-8"))
    calibrated = load_scenario(out / "scenario_calibrated.yaml")
    for p in info["parameters"]:
        parts = p["path"].split(".")
        assert parts[:2] == ["population", "industries[0]"]
        node = calibrated.population.industries[0]
        for part in parts[2:]:
            node = getattr(node, part)
        assert node == pytest.approx(p["written"])
        assert p["lower"] <= p["written"] <= p["upper"]
    # bad input: one line, exit 2, nothing written
    assert main(["calibrate", str(HISTORY.parent / "nanning.yaml"), "--out", str(tmp_path / "none")]) == 2
    assert "no calibration block" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
