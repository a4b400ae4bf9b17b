"""What the reports say about all replications: targets against the starting stock, gains.csv, summary.json,
the CLI's last line, the workbook's sheets over every replication. Expected figures are worked out by hand."""

from types import SimpleNamespace

import numpy as np

from analysis.targets import progress, starting_stock
from sim.scenario import Targets


def test_entities_doubled_is_measured_against_the_starting_stock():
    # 100 entities registered before the horizon; 60 register in 2023, 40 in 2024 → 160 at the end of 2023, 200 at
    # the end of 2024. Doubled by 2024 against the stock (200 / 100 = 2.0); against the end of 2023 it would be
    # 1.25 and the verdict would flip.
    targets = Targets.model_validate({"year": 2024, "entities_multiple": 2.0})
    indicators = {"entities": np.array([160.0, 200.0]), "tax_revenue": np.zeros(2), "industrial_output": np.zeros(2)}
    (row,) = progress(targets, indicators, 2023, entities_at_start=100.0)
    assert row.values.tolist() == [1.6, 2.0]
    assert row.reached_year == 2024 and row.met_by_target_year is True


def test_no_starting_stock_gives_no_multiple():
    targets = Targets.model_validate({"year": 2024, "entities_multiple": 2.0})
    indicators = {"entities": np.array([50.0, 120.0]), "tax_revenue": np.zeros(2), "industrial_output": np.zeros(2)}
    (row,) = progress(targets, indicators, 2023, entities_at_start=0.0)
    assert np.isnan(row.values).all() and row.reached_year is None and row.met_by_target_year is None


def test_starting_stock_counts_entities_registered_before_the_horizon():
    sim = SimpleNamespace(entities=SimpleNamespace(registered_year=np.array([-1, -1, -1, 0, 0, 1])))
    assert starting_stock(sim) == 3.0


def test_the_model_stock_is_the_scenario_stock():
    from sim_builders import world

    from sim.model.simulation import Model

    scenario = world(industry={"ftz_entities": 120, "new_per_year": 30})
    sim = Model(scenario, np.random.SeedSequence(3)).run()
    assert starting_stock(sim) == 120.0


def _scenario():
    term = {"floor": SimpleNamespace(host_yearly_yuan=None), "cap": SimpleNamespace(origin_cumulative_yuan=None)}
    return SimpleNamespace(
        agreements=[SimpleNamespace(id=f"z{i}", host=f"zone{i}", **term) for i in range(3)], assessment=object()
    )


def test_the_last_line_speaks_of_every_replication():
    # Replication 1 revokes nothing; replications 2–5 revoke z1 (twice) and z2 (once): the line must say so.
    from analysis import risk
    from analysis.outputs.run_files import describe

    n, years = 5, np.array([2021, 2022])
    with_ = np.zeros((n, 2, 2), np.int64)
    with_[:, 0, 0] = [100, 200, 300, 400, 500]  # origin: 1.00 … 5.00 yuan
    reps = risk.Replications(
        holders=["ftz", "zone0"],
        years=years,
        with_agreement=with_,
        without_agreement=np.zeros_like(with_),
        net_benefit=with_,
        revoked_year=np.array([[0, 0, 0], [0, 2022, 0], [0, 2021, 0], [0, 0, 2022], [0, 0, 0]]),
        floor_binds=np.zeros((n, 3, 2), bool),
        cap_reached=np.zeros((n, 3, 2), bool),
        passed=np.ones((n, 3, 2), np.int8),
        land={"landed": np.array([1.0, 2, 3, 4, 5])},
        role_totals=np.stack([with_.sum(axis=(1, 2)), np.zeros(n, np.int64)], axis=1),
    )
    summary = {
        "revoked": {},  # replication 1's
        "over_replications": risk.over_replications(_scenario(), reps),
        "risk": risk.risk_summary(_scenario(), reps),
    }
    line = describe(summary)
    assert line.startswith("median of 5 replications: origin 3.00 yuan (5–95%: 1.20–4.80)")
    assert "revoked: 2 zones in at least one replication (z1 40%, z2 20%)" in line
    assert "landed 3 (1.2–4.8)" in line


def test_a_run_reports_gains_and_every_replication(tmp_path):
    # gains.csv against a plain recomputation from the projection: means rounded half up with Python fractions.
    import csv
    import json
    from decimal import Decimal
    from fractions import Fraction

    import yaml
    from sim_builders import WORLD

    from analysis.cli import main
    from analysis.projection import holders, project
    from sim.scenario.loading import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(WORLD, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--replications", "3", "--seed", "5"]) == 0
    scenario = load_scenario(path)
    p = project(scenario, 5, 3)
    names = [*holders(scenario), "region"]

    def mean(values: list[int]) -> int:
        q = Fraction(sum(values), len(values))
        return int(q + Fraction(1, 2)) if q >= 0 else -int(-q + Fraction(1, 2))

    with (out / "gains.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["party", "year", "with_agreement", "without_agreement", "gain", "gain_p5", "gain_p95"]
    assert [r["party"] for r in rows[:: scenario.horizon.years]] == names
    for r in rows:
        j, y = names.index(r["party"]), int(r["year"]) - scenario.horizon.start_year
        fen = {k: int(Decimal(r[k]) * 100) for k in ("with_agreement", "without_agreement", "gain")}
        assert fen["gain"] == fen["with_agreement"] - fen["without_agreement"]
        pick = slice(None) if r["party"] == "region" else j
        with_ = [int(np.sum(p.with_agreement[i, pick, y])) for i in range(3)]
        without = [int(np.sum(p.without_agreement[i, pick, y])) for i in range(3)]
        assert fen["with_agreement"] == mean(with_) and fen["without_agreement"] == mean(without)
        gains = sorted(a - b for a, b in zip(with_, without, strict=True))
        assert Decimal(r["gain_p5"]) * 100 == round(gains[0] + 0.1 * (gains[1] - gains[0]))  # index 0.1 of 0..2
    people = (out / "gains_zh.csv").read_text(encoding="utf-8-sig").splitlines()
    assert people[0].startswith("参与方,年度,有协议时收入（") and "区域整体" in "".join(people)
    assert "3 次模拟的平均值" in people[-1]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["over_replications"]["replications"] == 3 and set(summary["risk"]["gain_positive"]) == set(names)
    assert "ledger.csv" in summary["replication_1"]["files"]
    from openpyxl import load_workbook

    sheets = load_workbook(out / "allocation.xlsx").sheetnames
    assert any(s.startswith("全部模拟汇总") for s in sheets) and any(s.startswith("风险指标") for s in sheets)
