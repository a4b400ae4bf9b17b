"""The scenario library: every file validates, runs, and keeps its golden aggregate figures; variants merge
onto their baseline and are validated whole."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from golden import SIMULATED, aggregate, golden_path

from sim.errors import InputError
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ALL = sorted((ROOT / "scenarios").glob("*/*.yaml"))


@pytest.mark.parametrize("path", ALL, ids=[str(p.relative_to(ROOT / "scenarios")) for p in ALL])
def test_every_bundled_scenario_validates_and_says_where_its_figures_come_from(path):
    scenario = load_scenario(path)
    assert scenario.name
    text = path.read_text(encoding="utf-8")
    assert "illustrative" in text.lower() or "ILLUSTRATIVE" in text or "seeds/" in text or "DOMAIN.md" in text


@pytest.mark.parametrize("path", SIMULATED, ids=[str(p.relative_to(ROOT / "scenarios")) for p in SIMULATED])
def test_simulated_scenarios_keep_their_golden_figures(path):
    # Money within 1% and land outcomes within 2% of the checked-in figures: the runs are deterministic for a
    # seed; the tolerance only absorbs floating-point summation order across platforms and numpy versions.
    expected = json.loads(golden_path(path).read_text())
    got = aggregate(path)
    assert got["agreements"].keys() == expected["agreements"].keys()
    for agreement, parties in expected["agreements"].items():
        for party, value in parties.items():
            assert got["agreements"][agreement][party] == pytest.approx(value, rel=0.01, abs=1.0), (agreement, party)
    for outcome, count in expected["land"].items():
        assert got["land"].get(outcome, 0) == pytest.approx(count, rel=0.02, abs=2), outcome
    assert got["revoked"] == expected["revoked"]


def test_designs_override_only_the_sharing_terms_of_the_baseline():
    baseline = load_scenario(ROOT / "scenarios/guangxi/nanning.yaml")
    capped = load_scenario(ROOT / "scenarios/designs/d5_jingjinji_capped.yaml")
    a = capped.agreements[0]
    assert a.ratio.basis == "years_since_start"
    assert a.ratio.in_force(3, start_year=1) == 500_000 and a.ratio.in_force(4, start_year=1) == 0
    assert a.cap.origin_cumulative_yuan == 300_000_000 and a.sunset_year == 2032
    assert a.taxes == baseline.agreements[0].taxes and capped.population == baseline.population
    assert capped.name != baseline.name


def _variant(tmp_path: Path, overrides: dict, extends: str = "base.yaml") -> Path:
    base = yaml.safe_load((ROOT / "scenarios/guangxi/nanning.yaml").read_text(encoding="utf-8"))
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    path = tmp_path / "variant.yaml"
    path.write_text(
        yaml.safe_dump({"schema": "ftzshare/v1", "extends": extends, "overrides": overrides}), encoding="utf-8"
    )
    return path


def test_a_bad_variant_is_refused_whole_and_named(tmp_path):
    path = _variant(tmp_path, {"agreements": {"nanning": {"ratio": {"schedule": [{"from": 2025, "origin": 1.5}]}}}})
    with pytest.raises(InputError) as error:
        load_scenario(path)
    assert error.value.file == str(path) and error.value.where == "agreements[0].ratio.schedule[0].origin"


def test_variant_naming_an_unknown_agreement(tmp_path):
    path = _variant(tmp_path, {"agreements": {"nanning_typo": {"sunset_year": 2030}}})
    with pytest.raises(InputError) as error:
        load_scenario(path)
    assert error.value.where == "overrides.agreements.nanning_typo" and "did you mean 'nanning'" in error.value.line()


def test_variant_cycles_and_unknown_keys(tmp_path):
    (tmp_path / "a.yaml").write_text("schema: ftzshare/v1\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("schema: ftzshare/v1\nextends: a.yaml\n")
    with pytest.raises(InputError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("schema: ftzshare/v1\nextends: b.yaml\noverides: {}\n")
    with pytest.raises(InputError, match="did you mean 'overrides'"):
        load_scenario(tmp_path / "c.yaml")


def test_variant_lists_are_replaced_and_mappings_merged(tmp_path):
    path = _variant(
        tmp_path,
        {"agreements": {"nanning": {"ratio": {"schedule": [{"from": 2025, "origin": 0.3}]}}}, "horizon": {"years": 5}},
    )
    scenario = load_scenario(path)
    assert [p.origin for p in scenario.agreements[0].ratio.schedule] == [Decimal("0.3")]
    assert scenario.horizon.years == 5 and scenario.horizon.start_year == 2025
