"""The scenario library: every file validates, runs, and keeps its golden aggregate figures; variants merge
onto their baseline and are validated whole."""

from __future__ import annotations

import itertools
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from golden import SIMULATED, aggregate, exact, golden_path

from sim.errors import InputError
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ALL = sorted((ROOT / "scenarios").glob("*/*.yaml"))


# What names a source (DESIGN.md: every number in scenarios/ says where it comes from or says "illustrative"):
# the policy texts in seeds/, a document number such as 桂政发〔2020〕42号, DOMAIN.md, or "illustrative".
SOURCE = re.compile(r"seeds/|〔\d{4}〕\d+号|DOMAIN\.md|illustrative", re.IGNORECASE)
# A header sentence vouches for a figure when it names the figure's kind (a pattern below, for the figure's key
# or any key above it) beside a source: "Entity counts, revenues, ... and model parameters are ILLUSTRATIVE."
KINDS = {
    "central_share": r"\bcentral\b|\bnational\b",
    "upper_levels": r"\bretentions?\b",
    "local_cit_exemption_years": r"\bcit exemption",
    "area_km2": r"km²",
    "land_ha": r"\bland\b",
    "approved_year": r"\bapproved\b",
    "ratio": r"\bratios?\b",
    "statistics": r"\bstatistics\b|\bratios?\b",
    "base": r"\bstock\b|\bbase year",
    "cap": r"\bcap(s|ped)?\b",
    "floor": r"\bfloors?\b|\bminimum\b",
    "sunset_year": r"\bsunset",
    "revoked_year": r"\brevo(ked|cation)",
    "cost_sharing": r"\bcosts?\b",
    "attraction_reward": r"\brewards?\b",
    "ecological_compensation": r"\bcompensation\b",
    "assessment": r"\bassessment\b|\bweights?\b|\bthresholds?\b|\bmodel parameters?\b",
    "targets": r"\btargets?\b",
    "region": r"\bregion's\b",
    "population": r"\bmodel parameters?\b|\bentity counts\b|\brevenues\b",
    "behavior": r"\bmodel parameters?\b|\belasticit",
}
# Run settings rather than figures about the world: how many years to project, the random seed, a calibration's
# search bounds (its observed figures each carry a `source` the schema requires).
NOT_FIGURES = {("horizon",), ("population", "seed"), ("calibration",)}


def _comment(line: str) -> str:
    """The comment of a YAML line: from a `#` at its start or after a blank (the scenarios quote no `#`)."""
    match = re.search(r"(^|\s)#(.*)$", line)
    return match.group(2) if match else ""


def _numbers(node, path=(), lines=()):
    """(key path, line, lines of the keys above it) of every numeric scalar in a composed YAML node."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _numbers(value, (*path, key.value), (*lines, key.start_mark.line))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:  # an item's first line (`- id: nanning   # ...`) speaks for the item
            yield from _numbers(item, path, (*lines, item.start_mark.line))
    elif node.tag.endswith((":int", ":float")):
        yield path, node.start_mark.line, lines


def unsourced(path: Path) -> list[str]:
    """The numeric keys of a scenario file whose source nobody states: not on its own line, not on the line of
    a block it sits in (or a comment line just above it), and not in a header sentence naming its kind."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    header = " ".join(line.lstrip("# ") for line in itertools.takewhile(lambda x: x.startswith("#"), lines))
    sentences = [x for x in re.split(r"(?<=[.;])\s+", header) if SOURCE.search(x)]

    def said(line: int) -> bool:
        above = lines[line - 1].strip() if line > 0 else ""
        return bool(SOURCE.search(_comment(lines[line]))) or (above.startswith("#") and bool(SOURCE.search(above)))

    missing = []
    for keys, line, block_lines in _numbers(yaml.compose(text)):
        if any(keys[: len(prefix)] == prefix for prefix in NOT_FIGURES):
            continue
        kinds = [KINDS[key] for key in keys if key in KINDS]
        in_header = any(re.search(kind, sentence, re.IGNORECASE) for sentence in sentences for kind in kinds)
        if not (said(line) or any(said(b) for b in block_lines) or in_header):
            missing.append(f"{'.'.join(map(str, keys))} (line {line + 1})")
    return missing


@pytest.mark.parametrize("path", ALL, ids=[str(p.relative_to(ROOT / "scenarios")) for p in ALL])
def test_every_bundled_scenario_validates_and_says_where_its_figures_come_from(path):
    scenario = load_scenario(path)
    assert scenario.name
    assert unsourced(path) == []


def test_the_source_check_finds_a_figure_without_a_source(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "# Ratios are illustrative.\n"
        "horizon: {start_year: 2025, years: 3}\n"
        "tax_rules:\n  local_cit_exemption_years: 5\n"
        "agreements:\n  - ratio: {schedule: [{from: 2025, origin: 0.5}]}\n"
        "    cap: {origin_cumulative_yuan: 100}\n"
        "    floor: {host_yearly_yuan: 100}   # 川浙, DOMAIN.md §2\n"
        "    # seeds/000 §四(二)\n    sunset_year: 2030\n",
        encoding="utf-8",
    )
    assert unsourced(path) == [
        "tax_rules.local_cit_exemption_years (line 4)",
        "agreements.cap.origin_cumulative_yuan (line 7)",
    ]


@pytest.mark.parametrize("path", SIMULATED, ids=[str(p.relative_to(ROOT / "scenarios")) for p in SIMULATED])
def test_simulated_scenarios_keep_their_golden_figures(path):
    # A run is deterministic for a scenario and its seed: every figure is compared exactly — money to the fen,
    # land outcomes, revocations and ledger rows as counts. After a deliberate change of the model, rewrite
    # the files with `python tests/golden.py` and review the diff.
    expected = json.loads(golden_path(path).read_text())
    assert exact(aggregate(path)) == exact(expected)


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
