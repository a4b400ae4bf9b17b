"""The simulation against what its parameters imply, computed by hand or by probability.

Fixed seeds; statistical checks use bounds of four standard deviations, so a correct model fails them
about once in 16,000 runs and a wrong one (a hazard off by 10%, a lag of a month) fails at once.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_builders import world

from analysis.projection import replicate
from sim.model.simulation import Model
from sim.model.tax_calendar import ledger_of
from sim.taxes import TAX_INDEX


def simulate(s, seed=1):
    sim = Model(s, np.random.SeedSequence(seed)).run()
    return sim, ledger_of(sim)


def test_reinvestments_follow_the_hazard():
    # 20,000 entities, 5% a year, one project each, 4 years: expected attempts N·(1 − 0.95⁴) = 3,709.875,
    # binomial sd = √(N q (1 − q)) with q = 0.18549 → 54.95.
    s = world({"ftz_entities": 20_000})
    sim, _ = simulate(s)
    attempts = len(sim.projects["entity"])
    q = 1 - 0.95**4
    assert abs(attempts - 20_000 * q) < 4 * math.sqrt(20_000 * q * (1 - q))
    # and year by year: the first year's attempts are Binomial(20,000, 0.05): 1,000 ± 4·30.8
    first_year = int((sim.projects["requested"] < 12).sum())
    assert abs(first_year - 1000) < 4 * math.sqrt(20_000 * 0.05 * 0.95)


def test_land_capacity_bounds_the_projects_and_the_rest_give_up_after_their_patience():
    # 40 ha for 1-ha projects and no exits: exactly 40 land; everyone else waits exactly 6 months, then gives
    # up; of those, the share staying in the FTZ is Binomial(n, 0.5).
    s = world(zone={"land_ha": 40})
    sim, _ = simulate(s)
    p = sim.projects
    landed = p["outcome"] == "landed"
    assert landed.sum() == 40
    gave_up = np.isin(p["outcome"], ["gave_up_stayed", "gave_up_lost"])
    waiting = p["outcome"] == "waiting"  # asked less than 6 months before the horizon ended
    assert gave_up.sum() + waiting.sum() + 40 == len(p["entity"])
    assert (p["requested"][waiting] >= 12 * 4 - 6).all()  # their patience runs out at or after the end
    events = {(e[2], e[1]): e[0] for e in sim.events}
    for entity in p["entity"][gave_up][:50]:
        kind = "gave_up_stayed" if (entity, "gave_up_stayed") in events else "gave_up_lost"
        requested = p["requested"][p["entity"] == entity][0]
        assert events[(entity, kind)] - requested == 6
    stayed = (p["outcome"] == "gave_up_stayed").sum()
    n = gave_up.sum()
    assert abs(stayed - n / 2) < 4 * math.sqrt(n / 4)


def test_mean_wait_is_zero_with_ample_land_and_grows_when_land_is_scarce():
    # Ample land: every request is granted at once. Scarce land (20 ha) with exits freeing it: projects wait,
    # so the mean wait of those who land is positive but below the 6-month patience.
    ample, _ = simulate(world())
    p = ample.projects
    assert (p["landed"] - p["requested"] == 0).all()
    scarce, _ = simulate(world({"exit_rate_per_year": 0.5}, zone={"land_ha": 20}))
    p = scarce.projects
    landed = p["outcome"] == "landed"
    waits = (p["landed"] - p["requested"])[landed]
    assert 0 < waits.mean() < 6 and waits.max() <= 6


def _steady(s, seed=3):
    """One project's taxes in its third year, from a world where everything is constant."""
    sim, ledger = simulate(s, seed)
    first = sim.projects["entity"][sim.projects["landed"] < 12].min()  # landed in 2023
    rows = (ledger.entity == np.flatnonzero(ledger.entity_ids == f"E{first:07d}")[0]) & (ledger.year == 2025)
    landed_month = sim.projects["landed"][sim.projects["entity"] == first][0]
    return {t: ledger.amount[rows & (ledger.tax == k)] for t, k in TAX_INDEX.items()}, ledger, rows, landed_month


# Neither a small low-profit enterprise (assets: its investment of 1 ha × 60,000,000 > 50,000,000) nor crediting
# input VAT (no equipment or buildings in its investment): its taxes are revenue × burden and the industry's rates.
PLAIN = {"investment_yuan_per_ha": 60_000_000}
NO_INPUT_VAT = {"equipment_share_of_investment": 0.0, "building_share_of_investment": 0.0}


def plain(industry: dict | None = None, **top):
    return world({**PLAIN, **(industry or {})}, population=NO_INPUT_VAT, **top)


def test_tax_totals_equal_revenue_times_burden_and_rates():
    # Revenue 12,000,000 a year, half in the zone: 500,000 a month. In 2025 (a full year, constant):
    # VAT 3% → 15,000.00 a month, paid the next month: 12 payments = 180,000.00.
    # Urban maintenance 7% of VAT paid: 12,600.00. IIT 3% of zone payroll (10% × 12,000,000 × 0.5 = 600,000):
    # 18,000.00. CIT 25% of zone profit (10% × 12,000,000 × 0.5 = 600,000) = 150,000.00 a year: quarterly
    # prepayments of 90% (33,750.00 each, Q4 2024 paid in Jan 2025) plus May's settlement of 2024's
    # remaining 10% (15,000.00) = 150,000.00.
    taxes, *_ = _steady(plain())
    assert taxes["vat"].sum() == 18_000_000 and len(taxes["vat"]) == 12
    assert taxes["urban_maintenance"].sum() == 1_260_000
    assert taxes["iit"].sum() == 1_800_000
    assert taxes["cit"].sum() == 15_000_000
    assert sorted(taxes["cit"]) == [1_500_000, 3_375_000, 3_375_000, 3_375_000, 3_375_000]


def test_cit_settlement_in_may_and_quarterly_prepayments():
    _, ledger, rows, _ = _steady(plain())
    cit = rows & (ledger.tax == TAX_INDEX["cit"])
    assert sorted(ledger.month[cit]) == [1, 4, 5, 7, 10]
    assert ledger.amount[cit & (ledger.month == 5)][0] == 1_500_000  # 10% of 2024's 150,000.00


def test_small_taxpayers_file_vat_quarterly():
    # 40% of the revenue in the zone: sales 4,800,000 a year ≤ 5,000,000, a small-scale taxpayer: 3% = 144,000.00
    taxes, ledger, rows, _ = _steady(plain({"production_share": {"revenue": 0.4, "payroll": 0.5, "profit": 0.5}}))
    vat = rows & (ledger.tax == TAX_INDEX["vat"])
    assert sorted(ledger.month[vat]) == [1, 4, 7, 10] and taxes["vat"].sum() == 14_400_000


def test_local_cit_is_zero_during_the_exemption_window():
    # Every project qualifies (registered 2023–2025, inside the policy's window): for five years from its first
    # year of revenue its CIT rows carry only the central 60% and book all of it central, so the core's local
    # part (and the pool) of CIT is zero.
    s = world({"local_cit_exemption": True}, horizon={"start_year": 2023, "years": 3})
    replication = replicate(s, np.random.SeedSequence(5), 0)
    ledger = replication.settlement.ledger
    cit = ledger.tax == TAX_INDEX["cit"]
    assert cit.any() and (ledger.has_central[cit]).all() and (ledger.central[cit] == ledger.amount[cit]).all()
    allocation = replication.settlement.allocation
    assert (allocation.pool[..., TAX_INDEX["cit"]] == 0).all()
    # and the amount is 60% of the full liability: 2025 CIT of one steady project 150,000.00 → 90,000.00
    taxes, *_ = _steady(plain({"local_cit_exemption": True}))
    assert taxes["cit"].sum() == 9_000_000


def test_exemption_ends_after_its_window():
    # A 1-year window: a project landed in 2023 is exempt for tax year 2023 only; its 2025 CIT is full.
    taxes, ledger, rows, _ = _steady(plain({"local_cit_exemption": True}, tax_rules={"local_cit_exemption_years": 1}))
    assert taxes["cit"].sum() == 15_000_000 and not ledger.has_central[rows].any()


def test_statistics_follow_the_parameters():
    from sim.indicators import INDICATORS
    from sim.model.records import statistics_of

    sim, _ = simulate(world({"foreign_share": 1.0, "trade_share": 0.2, "value_added_ratio": 0.25}))
    records = statistics_of(sim)
    first = f"E{sim.projects['entity'][sim.projects['landed'] < 12].min():07d}"
    mine = (records.entity == first) & (records.year == 2025)
    got = {INDICATORS[i]: v for i, v in zip(records.indicator[mine], records.value[mine], strict=True)}
    # zone output 6,000,000.00; value added 25% = 1,500,000.00; trade 20% = 1,200,000.00;
    # employment = zone payroll 600,000 / wage 90,000 = 6.67 → 7; one entity present
    assert got == {
        "output": 600_000_000,
        "value_added": 150_000_000,
        "trade": 120_000_000,
        "employment": 7,
        "entities": 1,
    }


def test_simulated_ledger_settles_like_a_real_one(tmp_path):
    from analysis.cli import main

    s_path = tmp_path / "s.yaml"
    import yaml
    from sim_builders import WORLD

    s_path.write_text(yaml.safe_dump(WORLD, allow_unicode=True), encoding="utf-8")
    assert main(["run", str(s_path), "--out", str(tmp_path / "run")]) == 0
    assert (
        main(
            [
                "settle",
                str(s_path),
                "--ledger",
                str(tmp_path / "run" / "ledger.csv"),
                "--statistics",
                str(tmp_path / "run" / "statistics_records.csv"),
                "--out",
                str(tmp_path / "settled"),
            ]
        )
        == 0
    )
    for name in ("allocation.csv", "allocation_detail.csv", "allocation_by_entity.csv", "statistics.csv"):
        assert (tmp_path / "run" / name).read_bytes() == (tmp_path / "settled" / name).read_bytes(), name


def test_same_seed_same_bytes_whatever_the_workers(tmp_path):
    from analysis.cli import main

    reference = "tests/data/scenario-reference.yaml"
    outputs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        assert (
            main(
                ["run", reference, "--out", str(out), "--seed", "11", "--replications", "3", "--workers", str(workers)]
            )
            == 0
        )
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0].keys() == outputs[1].keys() and "receipts.png" in outputs[0]
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], name


def test_different_seeds_differ():
    a, _ = simulate(world({"revenue_yuan": {"median": 12_000_000, "sigma": 1.0}}), seed=1)
    b, _ = simulate(world({"revenue_yuan": {"median": 12_000_000, "sigma": 1.0}}), seed=2)
    assert not np.array_equal(a.entities.revenue, b.entities.revenue)


def test_revocation_ends_sharing_from_the_next_year():
    # Region growth of 1000% cannot be beaten: every assessed year fails; two in a row revoke the zone at the
    # end of its second assessed year, and from the next year the origin receives nothing.
    assessment = {"indicators": {"trade": {"weight": 1.0, "region_growth": 10.0}}, "revoke_after_failed_years": 2}
    s = world(assessment=assessment)
    replication = replicate(s, np.random.SeedSequence(2), 0)
    revoked = replication.simulation.revoked
    assert revoked == {0: 2025}  # 2023: no previous year → no growth, 0 points, pass; 2024 and 2025 fail
    allocation = replication.settlement.allocation
    years = allocation.years
    assert (allocation.origin[0][years > 2025] == 0).all() and allocation.origin[0][years <= 2025].sum() > 0
    # no project lands in the zone after revocation
    assert (replication.simulation.projects["landed"][replication.simulation.projects["landed"] < 10**8] < 36).all()


def test_referral_elasticity_scales_the_hazard():
    # With elasticity 1, an origin share of 0.25 against a reference share of 0.5 halves the hazard
    # (0.25 / 0.5): about 20,000 × 5% × 0.5 = 500 first-year attempts instead of 1,000.
    base = world({"ftz_entities": 20_000}, horizon={"start_year": 2023, "years": 1})
    low = world(
        {"ftz_entities": 20_000},
        horizon={"start_year": 2023, "years": 1},
        agreements=[
            {"id": "a", "origin": "ftz", "host": "zone", "ratio": {"schedule": [{"from": 2023, "origin": 0.25}]}}
        ],
        behavior={"origin_referral_elasticity": 1.0, "reference_origin_share": 0.5},
    )
    n_base = len(simulate(base)[0].projects["entity"])
    n_low = len(simulate(low)[0].projects["entity"])
    assert abs(n_base - 1000) < 4 * math.sqrt(1000 * 0.95)
    assert abs(n_low - 500) < 4 * math.sqrt(500 * 0.975)


def test_zones_approved_later_take_projects_only_from_then():
    s = world(zone={"approved_year": 2025})
    sim, _ = simulate(s)
    # while no zone is open, reinvestments go to the FTZ (or out of the region); from 2025 on they seek the
    # zone: in 2025 those without a project yet, about 2,000 × 0.95² × 5% = 90.25
    p = sim.projects
    seeking = p["agreement"] >= 0
    assert p["requested"][seeking].min() >= 24 and (p["requested"][~seeking] < 24).all()
    assert np.isin(p["outcome"][~seeking], ["stayed_in_ftz", "lost_to_region"]).all()
    first_year = (seeking & (p["requested"] < 36)).sum()
    assert abs(first_year - 90.25) < 4 * math.sqrt(90.25 * 0.95)


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        ({"population": None}, "population", "no population"),
        ({"zone": {"land_ha": None}}, "agreements[0].host", "needs land_ha"),
        (
            {"industry": {"size_mix": {"small_micro": 0.5, "general": 0.1, "high_tech": 0.1}}},
            "population.industries[0].size_mix",
            "sum to 1",
        ),
        ({"industry": {"area": "nowhere"}}, "population.industries[0].area", "not a party"),
        ({"industry": {"reinvest_rate_per_year": 1.5}}, "population.industries[0].reinvest_rate_per_year", "at most 1"),
        ({"industry": {"build_months": -1}}, "population.industries[0].build_months", "at least 0"),
        (
            {"industry": {"revenue_yuan": {"median": 1e6, "sigma": 9}}},
            "population.industries[0].revenue_yuan.sigma",
            "at most 5",
        ),
        ({"industry": {"growht": {}}}, "population.industries[0].growht", "did you mean 'growth'"),
        ({"population": {"land_patience_months": "long"}}, "population.land_patience_months", "whole number"),
    ],
)
def test_bad_parameters_get_clear_errors(tmp_path, capsys, change, where, words):
    import copy

    import yaml
    from sim_builders import WORLD

    from analysis.cli import main

    data = copy.deepcopy(WORLD)
    if "population" in change and change["population"] is None:
        del data["population"]
    else:
        data["population"]["industries"][0].update(change.get("industry", {}))
        data["population"].update(change.get("population", {}))
        data["parties"][1].update(change.get("zone", {}))
        data["parties"][1] = {k: v for k, v in data["parties"][1].items() if v is not None}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}:{where}"), err
    assert words in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_run_usage_errors(capsys):
    from analysis.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["run", "x.yaml", "--out", "o", "--replications", "0"])
    assert exit_.value.code == 2 and capsys.readouterr().err.startswith("error: ftzshare run:")


def test_host_land_effort_scales_the_land_prepared():
    # Host share 0.25 against a reference host share of 0.5, elasticity 1 → effort (0.25 / 0.5)¹ = 0.5: of 40 ha
    # only 20 are prepared, so with no exits exactly 20 one-hectare projects land. With elasticity 0, or against
    # the default reference (the schedule's own first phase), all 40 do.
    ratio = [{"id": "a", "origin": "ftz", "host": "zone", "ratio": {"schedule": [{"from": 2023, "origin": 0.75}]}}]
    behavior = {"host_service_elasticity": 1.0, "reference_origin_share": 0.5}
    keen = world(zone={"land_ha": 40}, agreements=ratio, behavior=behavior)
    plain = world(zone={"land_ha": 40}, agreements=ratio)
    unchanged = world(zone={"land_ha": 40}, agreements=ratio, behavior={"host_service_elasticity": 1.0})
    assert (simulate(keen)[0].projects["outcome"] == "landed").sum() == 20
    assert (simulate(plain)[0].projects["outcome"] == "landed").sum() == 40
    assert (simulate(unchanged)[0].projects["outcome"] == "landed").sum() == 40


def test_entity_ids_are_e_and_seven_digits():
    from sim.model.entities import entity_ids

    ids = entity_ids(np.array([0, 42, 1_999_999, 9_999_999]))
    assert list(ids) == ["E0000000", "E0000042", "E1999999", "E9999999"]
    assert all(type(i) is str for i in ids)
    assert len(entity_ids(np.array([], np.int64))) == 0
