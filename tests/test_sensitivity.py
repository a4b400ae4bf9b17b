"""Sensitivity studies: Sobol indices of the Ishigami function against their known values, Morris effects of a
linear function by hand — both through `analysis.sensitivity.study`, the code path the scenario uses — and the
`ftzshare sensitivity` command (common random numbers, same seed → same bytes, bad input)."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.cli import main
from analysis.sensitivity import study
from sim.scenario.loading import scenario_data
from sim.scenario.uncertainty import Distribution

ROOT = Path(__file__).resolve().parents[1]
NANNING = ROOT / "scenarios" / "guangxi" / "nanning.yaml"
# Ishigami (a = 7, b = 0.1) on U(−π, π)³: first-order and total indices known in closed form
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def _ishigami(points: list[dict[str, float]]) -> np.ndarray:
    x = np.array([[p["x1"], p["x2"], p["x3"]] for p in points])
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    return y[:, None]


def test_sobol_indices_of_ishigami_lie_within_their_intervals():
    inputs = {f"x{i}": Distribution(dist="uniform", low=-math.pi, high=math.pi, source="Ishigami") for i in (1, 2, 3)}
    result = study(inputs, _ishigami, ["y"], "sobol", 1024, seed=0)
    assert len(result.points) == 1024 * 5
    found = {(i.input, i.name): i for i in result.indices}
    for k in range(3):
        for name, known in (("S1", ISHIGAMI_S1[k]), ("ST", ISHIGAMI_ST[k])):
            index = found[(f"x{k + 1}", name)]
            assert 0 < index.confidence < 0.1
            assert abs(index.value - known) <= index.confidence, (name, k, index)
    again = study(inputs, _ishigami, ["y"], "sobol", 1024, seed=0)
    assert again.indices == result.indices  # the same seed, the same indices (bootstrap included)


def test_morris_effects_of_a_linear_function_by_hand():
    """y = 3·a + 0·b + 5·c with a ~ U(0, 10), c ~ U(−1, 1): every elementary effect, per step of the unit
    range, is coefficient × width: 30 for a, 0 for b, 10 for c, with no spread."""
    inputs = {
        "a": Distribution(dist="uniform", low=0, high=10, source="t"),
        "b": Distribution(dist="triangular", low=0, mode=1, high=2, source="t"),
        "c": Distribution(dist="uniform", low=-1, high=1, source="t"),
    }
    result = study(inputs, lambda ps: np.array([[3 * p["a"] + 5 * p["c"]] for p in ps]), ["y"], "morris", 6, 1)
    assert len(result.points) == 6 * 4
    found = {(i.input, i.name): i.value for i in result.indices}
    assert found[("a", "mu_star")] == pytest.approx(30)
    assert found[("b", "mu_star")] == 0
    assert found[("c", "mu_star")] == pytest.approx(10)
    assert found[("a", "sigma")] == pytest.approx(0, abs=1e-9)


def small_study_scenario(tmp_path: Path) -> Path:
    """Nanning with three uncertain inputs, one of which the model never reads (the FTZ area's km²)."""
    data = copy.deepcopy(scenario_data(NANNING))
    data["uncertainty"] = {
        "population.industries[digital].reinvest_rate_per_year": {
            "dist": "uniform", "low": 0.01, "high": 0.03, "source": "illustrative"},
        "parties[nanning_cdz].land_ha": {"dist": "uniform", "low": 800, "high": 2000, "source": "illustrative"},
        "parties[nanning_ftz].area_km2": {"dist": "uniform", "low": 40, "high": 50, "source": "illustrative"},
    }  # fmt: skip
    path = tmp_path / "study.yaml"
    text = yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _plain(value):
    """Decimals (our loader's exact numbers) as plain numbers for yaml.safe_dump."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return float(value) if type(value).__name__ == "Decimal" else value


def test_sensitivity_command(tmp_path):
    scenario = small_study_scenario(tmp_path)
    out = tmp_path / "out"
    assert main(["sensitivity", str(scenario), "--out", str(out), "--samples", "2", "--seed", "5"]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"sensitivity.csv", "samples.csv", "sensitivity.png", "sensitivity.svg", "sensitivity.pdf"} <= names
    table = pd.read_csv(out / "sensitivity.csv")
    assert list(table.columns) == ["party", "measure", "input", "index", "value", "confidence"]
    assert set(table["index"]) == {"mu_star", "sigma"}
    assert set(table["measure"]) == {"gain", "receipts"}
    assert {"nanning_ftz", "nanning_cdz", "province"} == set(table["party"])
    # common random numbers: the input the model never reads moves nothing at all
    unused = table[table["input"] == "parties[nanning_ftz].area_km2"]
    assert (unused["value"] == 0).all()
    used = table[(table["input"] == "parties[nanning_cdz].land_ha") | table["input"].str.contains("reinvest")]
    assert (used[(used["index"] == "mu_star") & (used["party"] == "nanning_cdz")]["value"] > 0).any()
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 2 * 4
    assert samples["parties[nanning_cdz].land_ha"].between(800, 2000).all()
    # the same seed gives the same bytes
    again = tmp_path / "again"
    assert main(["sensitivity", str(scenario), "--out", str(again), "--samples", "2", "--seed", "5"]) == 0
    for name in ("sensitivity.csv", "samples.csv", "sensitivity.svg"):
        assert (again / name).read_bytes() == (out / name).read_bytes()


def test_sensitivity_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "out"
    qinzhou = ROOT / "scenarios" / "guangxi" / "qinzhou.yaml"  # no uncertainty block
    assert main(["sensitivity", str(qinzhou), "--out", str(out)]) == 2
    assert "no uncertainty block" in capsys.readouterr().err
    assert main(["sensitivity", str(NANNING), "--out", str(out), "--method", "sobol", "--samples", "100"]) == 2
    assert "power of two" in capsys.readouterr().err
    assert not out.exists()
