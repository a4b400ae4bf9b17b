"""report.pdf: a multi-page report officials can attach — designs and assumptions, charts, summary tables,
assessment and targets. Drawn with matplotlib so the charts are the same as the PNG/SVG ones; CJK fonts are
embedded (TrueType/CID, with a Unicode map, so the Chinese text can be searched and copied)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from analysis.outputs.charts import FEN_PER, language, style, unit_for
from sim.messages import render

A4 = (8.27, 11.69)


def write_report(
    path: Path,
    title_names: dict[str, str],
    assumptions: pd.DataFrame,
    summary: pd.DataFrame,
    assessment: pd.DataFrame,
    targets: pd.DataFrame,
    charts: dict[str, Figure],
    replications: int,
    lang: str = "zh",
) -> None:
    lang = language(lang)
    with (
        plt.rc_context(style()),
        PdfPages(path, metadata={"Creator": "ftzshare", "Producer": None, "CreationDate": None}) as pdf,
    ):
        pdf.savefig(_cover(title_names, assumptions, replications, lang))
        for fig in charts.values():
            pdf.savefig(fig)
        pdf.savefig(_summary_page(summary, title_names, lang))
        if len(assessment):
            pdf.savefig(_assessment_page(assessment, title_names, lang))
        if len(targets):
            pdf.savefig(_targets_page(targets, title_names, lang))
    for fig in charts.values():
        plt.close(fig)


def _page() -> tuple[Figure, plt.Axes]:
    fig = plt.figure(figsize=A4)
    ax = fig.add_axes((0.06, 0.04, 0.88, 0.90))
    ax.axis("off")
    return fig, ax


def _cover(names: dict[str, str], assumptions: pd.DataFrame, replications: int, lang: str) -> Figure:
    fig, ax = _page()
    fig.suptitle(render("report_title", lang), fontsize=16, y=0.97)
    lines = [render("report_scenarios", lang), ""]
    for label, rows in assumptions.groupby("scenario", sort=False):
        first = rows.iloc[0]
        lines.append(f"● {names[label]}  ({first['computed']}, seed {first['seed']}, sha256 {first['sha256'][:12]}…)")
        for row in rows.itertuples():
            lines.extend(
                "    " + part for part in textwrap.wrap(f"{row.agreement}: {row.origin} → {row.host}; {row.terms}", 95)
            )
    lines += ["", render("report_note", lang, n=replications)]
    ax.text(0, 1, "\n".join(lines[:70]), va="top", fontsize=8, family=None)
    return fig


def _table_page(title: str, header: list[str], rows: list[list[str]]) -> Figure:
    fig, ax = _page()
    fig.suptitle(title, fontsize=13, y=0.97)
    table = ax.table(cellText=rows[:45] or [[""] * len(header)], colLabels=header, loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.3)
    return fig


def _summary_page(summary: pd.DataFrame, names: dict[str, str], lang: str) -> Figure:
    unit = unit_for(summary["receipts"].to_numpy())
    scale = FEN_PER[unit]

    def money(value: float | None) -> str:
        return "" if value is None or pd.isna(value) else f"{value / scale:,.2f}"

    header = [
        render(k, lang)
        for k in ("col_scenario", "col_party", "col_role", "col_receipts", "col_npv", "col_net", "col_vs_baseline")
    ]
    rows = [
        [
            names[r.scenario][:18],
            r.party_name[:12],
            render(f"role_{r.role}", lang),
            money(r.receipts),
            money(r.npv),
            money(r.net_benefit),
            money(r.vs_baseline),
        ]
        for r in summary.itertuples()
    ]
    return _table_page(render("report_summary", lang, unit=render(f"unit_{unit}", lang)), header, rows)


def _assessment_page(assessment: pd.DataFrame, names: dict[str, str], lang: str) -> Figure:
    header = [render(k, lang) for k in ("col_scenario", "col_party", "col_passed", "col_failed", "col_revoked")]
    rows = []
    for (scenario, zone), group in assessment.groupby(["scenario", "zone"], sort=False):
        revoked = group.loc[group["revoked_this_year"], "year"]
        rows.append(
            [
                names[scenario][:18],
                zone,
                str(int(group["passed"].sum())),
                str(int((~group["passed"]).sum())),
                str(int(revoked.iloc[0])) if len(revoked) else "",
            ]
        )
    return _table_page(render("report_assessment", lang), header, rows)


def _targets_page(targets: pd.DataFrame, names: dict[str, str], lang: str) -> Figure:
    header = [render(k, lang) for k in ("col_scenario", "col_target", "col_goal", "col_reached", "col_met")]
    rows = []
    for (scenario, target), group in targets.groupby(["scenario", "target"], sort=False):
        first = group.iloc[0]
        met = first["met_by_target_year"]
        reached = first["reached_year"]
        rows.append(
            [
                names[scenario][:18],
                render(f"target_{target}", lang),
                f"{first['goal']:,.2f}",
                render("not_reached", lang) if pd.isna(reached) else str(int(reached)),
                "" if met is None or pd.isna(met) else render("yes" if met else "no", lang),
            ]
        )
    return _table_page(render("report_targets", lang), header, rows)
