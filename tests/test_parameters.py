"""Parameters as data: every parameter says what it is, in what unit, and where it comes from; the national
shares are DOMAIN.md §2's; the small/micro CIT rate is dated; scenarios still override; run size is bounded."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sim_builders import world

from sim.errors import InputError
from sim.model.entities import GENERAL, HIGH_TECH, SMALL, cit_rates
from sim.model.simulation import Model
from sim.model.tax_calendar import ledger_of
from sim.parameters import UNITS, all_parameters, parameter, value_at
from sim.scenario.population import Behavior, Growth, Industry, Population, SizeMix
from sim.scenario.schema import TaxRules
from sim.taxes import TAX_INDEX, TAX_TYPES

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = all_parameters()
# A reference is a document number (…〔2015〕92号, 公告2023年第12号, 主席令第63号), a seed section, a section of
# DOMAIN.md, or exactly the word "illustrative".
REFERENCE = re.compile(
    r"〔(19|20)\d\d〕\d+号|第\d+号"  # a document number
    r"|^seeds/\d{3} §[一二三四五六七八九十（）()]+$|^DOMAIN\.md §\d+$|^illustrative$"
)


@pytest.mark.parametrize("path", sorted(PARAMETERS))
def test_every_parameter_has_label_unit_reference_and_dated_values(path):
    p = PARAMETERS[path]
    assert re.search(r"[\u4e00-\u9fff]", p.label), "label must be Chinese"
    assert p.label_en.strip() and p.label_en.isascii()
    assert p.unit in UNITS
    assert p.reference and all(REFERENCE.search(r) for r in p.reference), p.reference
    assert "illustrative" not in p.reference or p.reference == ("illustrative",)
    assert p.values
    dates = [d for d, _ in p.values]
    assert all(type(d) is dt.date for d in dates)
    assert dates == sorted(set(dates)), "dates strictly in order"
    assert all(isinstance(v, Decimal | int) for _, v in p.values)
    if p.unit == "share":
        assert all(0 <= v <= 1 for _, v in p.values)


def test_the_data_files_hold_the_parameters_the_code_names():
    assert sum(p.startswith("national.") for p in PARAMETERS) >= 15
    assert sum(p.startswith("model.") for p in PARAMETERS) >= 25
    with pytest.raises(KeyError, match="no parameter"):
        parameter("national.cit_rate.nonexistent")
    with pytest.raises(LookupError, match="no value before"):
        value_at("national.central_share.environmental", 2017)


def test_national_central_shares_are_domain_md_section_2():
    # DOMAIN.md §2, by hand: VAT 50:50; CIT 60:40; IIT 60:40; the surcharge and property-type taxes 0:100.
    expected = {
        "vat": Decimal("0.5"),
        "cit": Decimal("0.6"),
        "iit": Decimal("0.6"),
        "urban_maintenance": Decimal("0"),
        "property": Decimal("0"),
        "land_use": Decimal("0"),
        "land_appreciation": Decimal("0"),
        "deed": Decimal("0"),
        "stamp": Decimal("0"),
        "environmental": Decimal("0"),
    }
    assert {t.id: Decimal(t.central_share) for t in TAX_TYPES} == expected
    assert {t.id: parameter(f"national.central_share.{t.id}").latest for t in TAX_TYPES} == expected
    assert [TaxRules().central_ppm(t) for t in expected] == [500_000, 600_000, 600_000] + [0] * 7
    # dated: VAT was 75:25 before 营改增 (1 May 2016), CIT 50:50 in 2002
    assert TAX_TYPES[TAX_INDEX["vat"]].central_share_at(2016) == "0.75"
    assert value_at("national.central_share.vat", dt.date(2016, 5, 1)) == Decimal("0.5")
    assert value_at("national.central_share.cit", 2002) == Decimal("0.5")


def test_cit_rates_are_dated_small_micro_5_percent_to_2027_and_western_development_to_2030():
    assert value_at("national.cit_rate.small_micro", 2027) == Decimal("0.05")
    assert value_at("national.cit_rate.small_micro", dt.date(2027, 12, 31)) == Decimal("0.05")
    assert value_at("national.cit_rate.small_micro", 2028) == Decimal("0.2")  # statutory 20% on the whole income
    assert value_at("national.cit_rate.western_development", 2030) == Decimal("0.15")
    assert value_at("national.cit_rate.western_development", 2031) == Decimal("0.25")
    assert value_at("national.cit_rate.standard", 2025) == Decimal("0.25")
    assert value_at("national.cit_rate.high_tech", 2025) == Decimal("0.15")


def _population(**overrides) -> Population:
    industry = world().population.industries[0]
    assert isinstance(industry, Industry) and industry.cit_rate == 0.25
    return Population(industries=[industry], **overrides)


def test_the_one_cit_rate_function_by_size_class_and_year():
    years = np.array([2026, 2027, 2028, 2029])
    size = np.array([SMALL, GENERAL, HIGH_TECH])
    rates = cit_rates(_population(), np.zeros(3, np.int64), size, years)
    assert rates.tolist() == [[0.05, 0.05, 0.2, 0.2], [0.25] * 4, [0.15] * 4]
    # a scenario's override wins: 10% for small/micro to 2028, then the national rate; high-tech 12%
    custom = _population(small_micro_cit_rate=0.1, small_micro_cit_until=2028, high_tech_cit_rate=0.12)
    rates = cit_rates(custom, np.zeros(3, np.int64), size, years)
    assert rates.tolist() == [[0.1, 0.1, 0.1, 0.2], [0.25] * 4, [0.12] * 4]


def _small_entity_cit(population: dict | None = None) -> dict[tuple[int, int], int]:
    """One small/micro entity that reinvests in 2026 and runs at full production from 2027: its CIT by
    (year, month) paid, in fen."""
    s = world(
        {
            "ftz_entities": 1,
            "reinvest_rate_per_year": 1.0,
            "size_mix": {"small_micro": 1.0, "general": 0.0, "high_tech": 0.0},
        },
        population=population,
        horizon={"start_year": 2026, "years": 4},
    )
    sim = Model(s, np.random.SeedSequence(7)).run()
    assert sim.projects["landed"][0] < 12  # landed within 2026
    ledger = ledger_of(sim)
    cit = ledger.tax == TAX_INDEX["cit"]
    rows = zip(ledger.year[cit], ledger.month[cit], ledger.amount[cit], strict=True)
    return {(int(y), int(m)): int(a) for y, m, a in rows}


def test_a_small_entity_pays_5_percent_cit_for_2027_and_20_percent_for_2028():
    # Revenue 12,000,000 a year → 1,000,000 a month; zone profit = 1,000,000 × margin 0.1 × production share
    # 0.5 = 50,000 a month, 150,000 a quarter, 600,000 a year.
    # 2027 at 5%: liability 30,000; prepaid 0.9 × 7,500 = 6,750 in Apr/Jul/Oct 2027 and Jan 2028; settled
    # 30,000 − 27,000 = 3,000 in May 2028.
    # 2028 at 20%: liability 120,000; prepaid 0.9 × 30,000 = 27,000 each quarter; settled 12,000 in May 2029.
    cit = _small_entity_cit()
    assert [cit[(2027, m)] for m in (4, 7, 10)] == [675_000] * 3
    assert cit[(2028, 1)] == 675_000
    assert cit[(2028, 5)] == 300_000
    assert [cit[(2028, m)] for m in (4, 7, 10)] == [2_700_000] * 3
    assert cit[(2029, 1)] == 2_700_000
    assert cit[(2029, 5)] == 1_200_000


def test_a_scenario_overriding_the_small_micro_rate_still_wins_in_the_ledger():
    # 10% to 2028: 2028's quarter is 0.9 × 150,000 × 0.1 = 13,500; its settlement 60,000 − 54,000 = 6,000.
    cit = _small_entity_cit({"small_micro_cit_rate": 0.1, "small_micro_cit_until": 2028})
    assert cit[(2027, 7)] == 1_350_000
    assert cit[(2028, 7)] == 1_350_000
    assert cit[(2029, 5)] == 600_000


def test_model_defaults_come_from_the_data_and_scenarios_override_them():
    assert Growth().mean == float(parameter("model.industry.growth.mean").latest) == 0.05
    assert SizeMix().small_micro is None and SizeMix().high_tech == 0.1  # small/micro by statutory thresholds
    assert Behavior().origin_referral_elasticity == 0.0
    pop = _population()
    assert pop.wage_yuan == 90_000 and isinstance(pop.wage_yuan, int)  # as the file has it: same canonical JSON
    assert pop.urban_maintenance_rate == float(value_at("national.urban_maintenance_rate.city", 2025)) == 0.07
    assert pop.property_tax_rate == 0.0084
    assert (pop.small_micro_cit_rate, pop.small_micro_cit_until) == (0.05, 2027)
    assert pop.industries[0].investment_yuan_per_ha == 30_000_000
    assert Growth(mean=0.2).mean == 0.2
    assert _population(wage_yuan=120_000, land_patience_months=3).land_patience_months == 3
    s = world({"growth": {"mean": 0.07, "sd": 0.0, "shock_probability": 0.0}}, population={"wage_yuan": 100_000})
    assert s.population.industries[0].growth.mean == 0.07 and s.population.wage_yuan == 100_000
    assert s.population.industries[0].growth.shock_loss == 0.5  # unset: the default


def test_every_scenario_validates_with_the_data_defaults():
    from sim.scenario.loading import load_scenario

    for path in [*sorted((ROOT / "scenarios").glob("*/*.yaml")), Path("/work/shared/scenario-reference.yaml")]:
        if path.exists():
            load_scenario(path)


def test_importing_the_core_reads_no_parameter_file_and_imports_no_io_library():
    code = (
        "import sys, sim.sharing.split, sim.scenario, sim.taxes\n"
        "print([m for m in ('yaml', 'pandas', 'pyarrow', 'simpy', 'matplotlib') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_the_data_files_ship_with_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "*.yaml" in config["tool"]["setuptools"]["package-data"]["sim.parameters"]
    assert {p.split(".")[0] for p in PARAMETERS} == {f.stem for f in (ROOT / "sim" / "parameters").glob("*.yaml")}


def _refusal(**kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        world(**kwargs)
    return caught.value


def test_run_size_is_bounded_with_an_error_naming_the_key():
    err = _refusal(industry={"ftz_entities": 2_000_001})
    assert err.where == "population.industries[0].ftz_entities" and err.key == "too_large"
    err = _refusal(industry={"ftz_entities": 1_000_000, "new_per_year": 300_000})  # 1.0M + 4 × 0.3M
    assert (err.where, err.key, err.params["total"]) == ("population.industries", "too_many_entities", 2_200_000)
    assert "ftz_entities + new_per_year" in err.line("en") and "2000000" in err.line("en")
    err = _refusal(industry={"ftz_entities": 1_000_000}, horizon={"start_year": 2023, "years": 30})
    assert (err.where, err.key) == ("population.industries", "too_many_entity_years")
    assert "horizon.years" in err.line("en")
    # 200,000 entities all reinvesting over 4 years on ample land: 800,000 project-years
    err = _refusal(industry={"ftz_entities": 200_000, "reinvest_rate_per_year": 1.0})
    assert (err.where, err.key, err.params["total"]) == ("population.industries", "too_many_project_years", 800_000)
    assert "reinvest_rate_per_year" in err.line("en")
    # the same on little land is refused too: projects that find no zone land stay in the FTZ (or are lost), and
    # those staying are taxed on the same calendar, in both worlds
    err = _refusal(industry={"ftz_entities": 200_000, "reinvest_rate_per_year": 1.0}, zone={"land_ha": 1000})
    assert err.key == "too_many_project_years"
