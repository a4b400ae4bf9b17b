"""A run's files settle back to themselves: `settle scenario_in_force.yaml --ledger ledger.csv` reproduces the
run's allocation byte for byte — for a run that revokes a zone, and for one whose base year had no receipts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.cli import main

ROOT = Path(__file__).resolve().parents[1]


# variants of bundled scenarios that take the two paths: a pass line no zone can reach revokes the zone after
# two assessed years; a zone approved the year after the base year collects nothing in it (a zero row)
VARIANTS = {
    "revoked_year": "extends: guangxi/chongzuo.yaml\noverrides: {assessment: {pass_score: 1000}}\n",
    "(none)": "extends: designs/d7_chuanyu_stock.yaml\noverrides: {parties: {nanning_cdz: {approved_year: 2026}}}\n",
}


@pytest.mark.parametrize("what", sorted(VARIANTS))
def test_a_runs_ledger_settles_back_to_its_allocation(tmp_path, what):
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"schema: ftzshare/v1\nname: 变体\n{VARIANTS[what]}", encoding="utf-8")
    run, again = tmp_path / "run", tmp_path / "again"
    assert main(["run", str(variant), "--out", str(run)]) == 0
    in_force = run / "scenario_in_force.yaml"
    assert what in (in_force.read_text(encoding="utf-8") + (run / "ledger.csv").read_text(encoding="utf-8"))
    assert main(["settle", str(in_force), "--ledger", str(run / "ledger.csv"), "--out", str(again)]) == 0
    for name in ("allocation.csv", "allocation_detail.csv", "allocation_by_entity.csv"):
        assert (run / name).read_bytes() == (again / name).read_bytes(), name
    # settling into the run's own folder would replace it whole and lose the ledger being read: refused
    before = sorted(p.name for p in run.iterdir())
    assert main(["settle", str(in_force), "--ledger", str(run / "ledger.csv"), "--out", str(run)]) == 2
    assert sorted(p.name for p in run.iterdir()) == before


def test_a_zone_without_land_lands_no_project_and_shares_nothing(tmp_path):
    # no land: every project gives up, the ledger is empty and every party receives 0.00
    variant = tmp_path / "no_land.yaml"
    variant.write_text(
        "schema: ftzshare/v1\nextends: guangxi/chongzuo.yaml\nname: 无地可用\n"
        "overrides: {parties: {chongzuo_cdz: {land_ha: 0}}}\n",
        encoding="utf-8",
    )
    run, again = tmp_path / "run", tmp_path / "again"
    assert main(["run", str(variant), "--out", str(run)]) == 0
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert summary["land"].get("landed", 0) == 0 and summary["totals"]["origin"] == summary["totals"]["host"] == "0.00"
    # an empty ledger is no record to settle: said plainly, as for any real export
    settle = ["settle", str(run / "scenario_in_force.yaml"), "--ledger", str(run / "ledger.csv"), "--out", str(again)]
    assert main(settle) == 2 and not again.exists()
