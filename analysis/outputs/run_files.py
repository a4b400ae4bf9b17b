"""What `ftzshare run` writes beyond a settlement: the scenario in force, the simulated ledger and records,
events, land queue, assessment, every replication's receipts, and the receipts chart.

`settle scenario_in_force.yaml --ledger ledger.csv` reproduces `allocation.csv` byte for byte.

For people, `receipts_zh.csv`: each agreement's yearly receipts (central, origin, host) by name, in one unit
stated in every header, with a 合计 row per agreement and a last line saying what the figures are; the machine
file beside it is `replications.csv` (every replication, English ids, yuan with two decimals)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.outputs.charts import assessment_chart, receipts_chart, save
from analysis.outputs.presentation import Names, Unit, View, figure_note, header, in_unit, render, unit_for
from analysis.outputs.tables import (
    assessment_table,
    events_table,
    ledger_table,
    projects_table,
    records_table,
    replications_table,
    write_csv,
)
from analysis.projection import CENTRAL, HOST, ORIGIN, Projection
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
            revoked = [o.revoked for o in projection.outcomes]
            chart = assessment_chart(projection.scenario, sim.assessments, revoked, seed=projection.seed)
            save(chart, folder / "assessment")
        write_csv(replications_table(receipts, s), folder / "replications.csv")
        save(receipts_chart(s, receipts, seed=projection.seed), folder / "receipts")
        (folder / "receipts_zh.csv").write_bytes(receipts_view(projection, "zh").csv_bytes())

    return write_settlement(first.settlement, out, inputs, projection.seed, more_summary, files)


def receipts_view(projection: Projection, lang: str = "zh", unit: Unit | None = None) -> View:
    """Per agreement and year: what central, the origin and the host receive — the mean over the replications
    (replication 1 and its seed when there is one) — in one unit, with a 合计 row per agreement."""
    s = projection.scenario
    names = Names(s, lang)
    r = projection.receipts
    n = r.shape[0]
    mean = r[..., [CENTRAL, ORIGIN, HOST]].mean(axis=0)  # [agreement, year, part] fen
    totals = mean.sum(axis=1, keepdims=True)
    unit = unit or unit_for(np.concatenate([mean, totals], axis=1))
    years = [str(s.horizon.start_year + y) for y in range(s.horizon.years)] + [render("total_row", lang)]
    parts = ("central", "origin", "host")
    table = pd.DataFrame(
        {
            header("agreement", lang): np.repeat([names.agreement(a.id) for a in s.agreements], len(years)),
            header("year", lang): np.tile(years, len(s.agreements)),
            **{
                header(part, lang, unit): in_unit(np.concatenate([mean, totals], axis=1)[..., j].ravel(), unit)
                for j, part in enumerate(parts)
            },
        }
    )
    note = figure_note("mean", lang, n=n) if n > 1 else figure_note("replication", lang, n=1, seed=projection.seed)
    money = tuple(header(part, lang, unit) for part in parts)
    return View(table, unit, money, note, render("receipts_view", lang))


def describe(summary: dict) -> str:
    land = summary["land"]
    revoked = ", ".join(f"{k} {v}" for k, v in summary["revoked"].items()) or "none"
    totals = summary["totals"]
    return (
        f"origin {totals['origin']} yuan, host {totals['host']} yuan; projects landed {land.get('landed', 0)}, "
        f"gave up {land.get('gave_up_stayed', 0) + land.get('gave_up_lost', 0)}; revoked: {revoked}"
    )
