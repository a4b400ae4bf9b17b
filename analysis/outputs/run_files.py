"""What `ftzshare run` writes beyond a settlement: the scenario in force, the simulated ledger and records,
events, land queue, assessment, every replication's receipts, and the receipts chart.

`settle scenario_in_force.yaml --ledger ledger.csv` reproduces `allocation.csv` byte for byte."""

from __future__ import annotations

from pathlib import Path

from analysis.outputs.charts import receipts_chart, save
from analysis.outputs.tables import (
    assessment_table,
    events_table,
    ledger_table,
    projects_table,
    records_table,
    replications_table,
    write_csv,
)
from analysis.projection import HOST, ORIGIN, Projection
from analysis.reconciliation import reconciliation
from analysis.settlement import write_settlement
from sim.model.records import statistics_of
from sim.model.simulation import NEVER
from sim.money import yuan_text
from sim.scenario.loading import dump_scenario


def write_projection(projection: Projection, out: Path, inputs: dict[str, Path], replications: int) -> dict:
    first = projection.first
    sim, s = first.simulation, first.effective
    projects = sim.projects
    landed = projects["landed"] < NEVER
    waits = projects["landed"][landed] - projects["requested"][landed]
    receipts = projection.receipts
    more_summary = {
        "replications": replications,
        "land": {
            **projection.outcomes[0].attempts,
            "mean_wait_months": round(float(waits.mean()), 3) if len(waits) else None,
        },
        "revoked": {s.agreements[a].id: year for a, year in sorted(sim.revoked.items())},
        "checks": reconciliation(sim, first.settlement.ledger),
        "replication_totals": {
            "origin_yuan": [yuan_text(int(v)) for v in receipts[..., ORIGIN].sum(axis=(1, 2))],
            "host_yuan": [yuan_text(int(v)) for v in receipts[..., HOST].sum(axis=(1, 2))],
        },
    }

    def files(folder: Path) -> None:
        note = f"The scenario in force in replication 1 (seed {projection.seed}): {s.name}, revocations applied."
        (folder / "scenario_in_force.yaml").write_text(dump_scenario(s, note), encoding="utf-8")
        write_csv(ledger_table(first.settlement.ledger, s), folder / "ledger.csv")
        write_csv(records_table(statistics_of(sim), s), folder / "statistics_records.csv")
        write_csv(events_table(sim), folder / "events.csv")
        write_csv(projects_table(sim), folder / "projects.csv")
        if sim.assessments:
            write_csv(assessment_table(sim), folder / "assessment.csv")
        write_csv(replications_table(receipts, s), folder / "replications.csv")
        save(receipts_chart(s, receipts), folder / "receipts")

    return write_settlement(first.settlement, out, inputs, projection.seed, more_summary, files)


def describe(summary: dict) -> str:
    land = summary["land"]
    revoked = ", ".join(f"{k} {v}" for k, v in summary["revoked"].items()) or "none"
    totals = summary["totals"]
    return (
        f"origin {totals['origin']} yuan, host {totals['host']} yuan; projects landed {land.get('landed', 0)}, "
        f"gave up {land.get('gave_up_stayed', 0) + land.get('gave_up_lost', 0)}; revoked: {revoked}"
    )
