"""What `ftzshare compare` writes, in two kinds of file.

For scripts — stable names, English ids, money as yuan with exactly two decimals, one header row, nothing else:
  comparison.csv (year by year), comparison_summary.csv, and where the designs have them
  comparison_statistics.csv, comparison_assessment.csv, comparison_targets.csv, comparison_assumptions.csv,
  comparison_risk.csv and comparison_zone_risk.csv (risk figures over every replication, `analysis.risk`).
For people — in the language asked for (`--lang`, Chinese by default), from the presentation layer
(`analysis.outputs.presentation`): names not ids, headers from the catalogue with the unit in each, one unit per
table (万元 or 亿元 by magnitude), totals rows, and a last line saying what the figures are:
  comparison_summary_<lang>.csv, comparison_yearly_<lang>.csv, comparison_statistics_<lang>.csv,
  comparison_assessment_<lang>.csv, comparison_targets_<lang>.csv, comparison_assumptions_<lang>.csv,
  comparison_risk_<lang>.csv, comparison_zone_risk_<lang>.csv
  (UTF-8 with BOM, so Excel on a Chinese Windows opens them right), comparison.xlsx (one sheet each),
  the charts (PNG, SVG) and report.pdf.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from analysis.comparison import (
    Comparison,
    assessment_table,
    assessment_view,
    assumptions_table,
    assumptions_view,
    case_names,
    plain,
    plain_statistics,
    risk_table,
    risk_view,
    statistics_table,
    statistics_view,
    summary_table,
    summary_view,
    targets_table,
    targets_view,
    yearly_table,
    yearly_view,
    zone_risk_table,
    zone_risk_view,
)
from analysis.outputs.atomic import atomic_folder
from analysis.outputs.charts import assessment_chart, comparison_charts, save
from analysis.outputs.presentation import View, render
from analysis.outputs.report import write_report
from analysis.outputs.tables import write_csv
from analysis.outputs.workbook import write_tables
from analysis.projection import simulation_key

# view name → (machine file, people's file stem, sheet title key)
FILES = {
    "summary": ("comparison_summary.csv", "comparison_summary", "sheet_summary"),
    "yearly": ("comparison.csv", "comparison_yearly", "sheet_yearly"),
    "statistics": ("comparison_statistics.csv", "comparison_statistics", "sheet_statistics"),
    "assessment": ("comparison_assessment.csv", "comparison_assessment", "sheet_assessment"),
    "targets": ("comparison_targets.csv", "comparison_targets", "sheet_targets"),
    "assumptions": ("comparison_assumptions.csv", "comparison_assumptions", "sheet_assumptions"),
    "risk": ("comparison_risk.csv", "comparison_risk", "sheet_risk"),
    "zone_risk": ("comparison_zone_risk.csv", "comparison_zone_risk", "sheet_zone_risk"),
}


def machine_tables(c: Comparison) -> dict[str, pd.DataFrame]:
    """The script files' tables: English ids, yuan with two decimals."""
    return {
        "summary": plain(summary_table(c)),
        "yearly": plain(yearly_table(c)),
        "statistics": plain_statistics(statistics_table(c)),
        "assessment": assessment_table(c),
        "targets": targets_table(c),
        "assumptions": assumptions_table(c),
        "risk": plain(risk_table(c)),
        "zone_risk": zone_risk_table(c),
    }


def people_views(c: Comparison, lang: str) -> dict[str, View]:
    return {
        "summary": summary_view(c, lang),
        "yearly": yearly_view(c, lang),
        "statistics": statistics_view(c, lang),
        "assessment": assessment_view(c, lang),
        "targets": targets_view(c, lang),
        "assumptions": assumptions_view(c, lang),
        "risk": risk_view(c, lang),
        "zone_risk": zone_risk_view(c, lang),
    }


def _period(c: Comparison, lang: str) -> str:
    first = min(case.scenario.horizon.start_year for case in c.cases)
    last = max(case.scenario.horizon.end_year for case in c.cases)
    return render("wb_period", lang, first=first, last=last)


def _assessment_charts(c: Comparison, lang: str) -> dict[str, Figure]:
    """Zone points against the pass line and the probability of revocation: one chart per simulation (designs
    re-split from one simulation share it, and its assessment)."""
    charts, seen = {}, set()
    for case in c.cases:
        p, key = case.projection, simulation_key(case.scenario)
        if case.scenario.assessment is None or not p.first.simulation.assessments or key in seen:
            continue
        seen.add(key)
        revoked = [o.revoked for o in p.outcomes]
        charts[f"assessment_{case.label}"] = assessment_chart(
            case.scenario, p.first.simulation.assessments, revoked, lang, seed=p.seed
        )
    return charts


def write_comparison(c: Comparison, out: Path, lang: str = "zh") -> dict[str, Path]:
    yearly, summary = yearly_table(c), summary_table(c)
    machine = machine_tables(c)
    views = people_views(c, lang)
    names = case_names(c, lang)
    with atomic_folder(out) as folder:
        for key, (machine_name, people_stem, _) in FILES.items():
            if len(machine[key]):
                write_csv(machine[key], folder / machine_name)
            if len(views[key].table):
                (folder / f"{people_stem}_{lang}.csv").write_bytes(views[key].csv_bytes())
        sheets = [(render(sheet, lang), views[key]) for key, (_, _, sheet) in FILES.items() if len(views[key].table)]
        write_tables(folder / "comparison.xlsx", sheets, render("report_title", lang), _period(c, lang), lang)
        replications = min(len(case.projection.outcomes) for case in c.cases)
        charts = comparison_charts(yearly, summary, names, c.discount_rate, lang, replications=replications)
        charts.update(_assessment_charts(c, lang))
        for name, fig in charts.items():
            save(fig, folder / name)
        write_report(folder / "report.pdf", c, views, charts, lang)
    return {p.name: out / p.name for p in sorted(Path(out).iterdir())}
