"""What `ftzshare run` writes beyond a settlement: the scenario in force, the simulated ledger and records,
events, land queue, assessment, every replication's receipts, and the receipts chart.

`settle scenario_in_force.yaml --ledger ledger.csv` reproduces `allocation.csv` byte for byte.

For people, `receipts_zh.csv`: each agreement's yearly receipts (central, origin, host) by name, in one unit
stated in every header, with a 合计 row per agreement and a last line saying what the figures are; the machine
file beside it is `replications.csv` (every replication, English ids, yuan with two decimals).

Over every replication: `gains.csv` (per holder and the region, per year: receipts with and without the
agreements and the gain, means with gain = with − without on every row, the gain's 5–95% range) and its people's
variant `gains_zh.csv`; summary.json's `over_replications` and `risk` (`analysis.risk`). One replication's detail —
replication 1: the settlement files, ledger, statistics records, events, projects, assessment, the scenario in
force, and summary.json's `totals`, `by_agreement`, `land`, `revoked`, `checks` (`replication_1` says so)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.outputs.drawing import drawing, save_drawn
from analysis.outputs.presentation import (
    Names,
    Unit,
    View,
    figure_note,
    header,
    in_unit,
    render,
    unit_for,
    without_upper_note,
)
from analysis.outputs.tables import (
    assessment_table,
    events_table,
    gains_table,
    ledger_table,
    parameters_table,
    projects_table,
    records_table,
    replications_table,
    write_csv,
)
from analysis.projection import CENTRAL, HOST, ORIGIN, Projection
from analysis.reconciliation import reconciliation
from analysis.risk import gain_figures, gains_view, replications_of, summary_of
from analysis.settlement import write_settlement
from sim.model.records import statistics_of
from sim.model.simulation import NEVER
from sim.money import yuan_text
from sim.scenario.loading import dump_scenario

# One replication's detail (replication 1): every other file covers all replications.
REPLICATION_1_FILES = (
    "allocation.csv",
    "allocation_detail.csv",
    "allocation_by_entity.csv",
    "statistics.csv",
    "net_benefit.csv",
    "allocation.xlsx (allocation, steps, statistics and net benefit sheets)",
    "scenario_in_force.yaml",
    "ledger.csv",
    "statistics_records.csv",
    "events.csv",
    "projects.csv",
    "assessment.csv",
    "assessment.png (points)",
)


def write_projection(projection: Projection, out: Path, inputs: dict[str, Path], replications: int) -> dict:
    """Write a run's files at once (atomically); return the summary. Its charts are drawn in other processes from
    the start, while this one computes and writes the tables."""
    first = projection.first
    sim, s = first.simulation, first.effective
    receipts = projection.receipts
    with drawing() as draw:
        receipts_chart = draw("receipts_chart", s, receipts, seed=projection.seed)
        if sim.assessments:
            revoked = [o.revoked for o in projection.outcomes]
            assessment = draw("assessment_chart", projection.scenario, sim.assessments, revoked, seed=projection.seed)
        projects = sim.projects
        landed = projects["landed"] < NEVER
        waits = projects["landed"][landed] - projects["requested"][landed]
        reps = replications_of(projection)
        more_summary = {
            "replications": replications,
            "replication_1": {
                "seed": projection.seed,
                "keys": ["totals", "by_agreement", "land", "revoked", "checks"],
                "files": [*REPLICATION_1_FILES],
                "note": "these keys and files are replication 1's detail; over_replications, risk, gains.csv, "
                "gains_zh.csv, replications.csv and receipts_zh.csv cover every replication",
            },
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
            **summary_of(projection, reps),
        }
        gains = gain_figures(reps.with_agreement, reps.without_agreement)

        @contextmanager
        def files(folder: Path) -> Iterator[None]:
            """The run's own files; the settlement's are written at the `yield`, then the charts once drawn."""
            note = f"The scenario in force in replication 1 (seed {projection.seed}): {s.name}, revocations applied."
            (folder / "scenario_in_force.yaml").write_text(dump_scenario(s, note), encoding="utf-8")
            write_csv(ledger_table(first.settlement.ledger, s), folder / "ledger.csv")
            write_csv(records_table(statistics_of(sim), s), folder / "statistics_records.csv")
            write_csv(events_table(sim), folder / "events.csv")
            write_csv(projects_table(sim), folder / "projects.csv")
            if sim.assessments:
                write_csv(assessment_table(sim), folder / "assessment.csv")
            write_csv(replications_table(receipts, s), folder / "replications.csv")
            if projection.scenario.uncertainty:
                draws = [o.parameters for o in projection.outcomes]
                write_csv(parameters_table(projection.scenario, draws), folder / "parameters.csv")
            (folder / "receipts_zh.csv").write_bytes(receipts_view(projection, "zh").csv_bytes())
            write_csv(gains_table(gains, reps.holders, reps.years), folder / "gains.csv")
            (folder / "gains_zh.csv").write_bytes(gains_view(projection, "zh", reps).csv_bytes())
            yield
            save_drawn(receipts_chart, folder / "receipts")
            if sim.assessments:
                save_drawn(assessment, folder / "assessment")

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
    note = without_upper_note(note, s, lang)
    money = tuple(header(part, lang, unit) for part in parts)
    return View(table, unit, money, note, render("receipts_view", lang))


def describe(summary: dict) -> str:
    """The CLI's last line: over every replication (the median and 5–95% range when there are several)."""
    over, risk = summary["over_replications"], summary["risk"]
    n = over["replications"]

    def amount(block: dict) -> str:
        if n == 1:
            return f"{block['median_yuan']} yuan"
        return f"{block['median_yuan']} yuan (5–95%: {block['p5_yuan']}–{block['p95_yuan']})"

    def count(block: dict) -> str:
        return f"{block['median']:g}" if n == 1 else f"{block['median']:g} ({block['p5']:g}–{block['p95']:g})"

    attempts = ("landed", "waiting", "gave_up_stayed", "gave_up_lost", "stayed_in_ftz", "lost_to_region")
    land = over["land"]
    projects = ", ".join(
        f"{key.replace('_', ' ')} {count(land[key])}" for key in attempts if key in land and land[key]["p95"] > 0
    )
    revocation = risk.get("revocation", {})
    likely = sorted(((v["probability"], k) for k, v in revocation.items() if v["probability"]), reverse=True)
    if n == 1:
        revoked = ", ".join(f"{k} {v}" for k, v in summary["revoked"].items()) or "none"
    elif not likely:
        revoked = f"none in {n} replications"
    else:
        shown = ", ".join(f"{k} {p:.0%}" for p, k in likely[:5])
        revoked = f"{len(likely)} zones in at least one replication ({shown}{', …' if len(likely) > 5 else ''})"
    what = "replication 1 of 1" if n == 1 else f"median of {n} replications"
    roles = over["by_role"]
    return (
        f"{what}: origin {amount(roles['origin'])}, host {amount(roles['host'])}; "
        f"region's gain {amount(over['gains']['region'])}; projects: {projects or 'none'}; revoked: {revoked}"
    )
