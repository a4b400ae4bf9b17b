"""What `ftzshare compare` writes: comparison.csv, comparison.xlsx, charts (PNG, SVG) and report.pdf."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.comparison import (
    Comparison,
    assessment_table,
    assumptions_table,
    statistics_table,
    summary_table,
    targets_table,
    yearly_table,
)
from analysis.outputs.atomic import atomic_folder
from analysis.outputs.charts import comparison_charts, save
from analysis.outputs.report import write_report
from analysis.outputs.tables import write_csv
from analysis.outputs.workbook import write_tables
from sim.money import format_yuan

MONEY = (
    "receipts",
    "receipts_p5",
    "receipts_p95",
    "cumulative",
    "discounted",
    "cumulative_discounted",
    "net_benefit",
    "vs_baseline",
    "npv",
    "npv_vs_baseline",
)


def _fen(table: pd.DataFrame) -> pd.DataFrame:
    """Money columns (means over replications, in fen) rounded to whole fen; None stays empty."""
    table = table.copy()
    for column in MONEY:
        if column in table:
            table[column] = [None if pd.isna(v) else int(round(v)) for v in table[column]]
    return table


def _yuan_text(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column in MONEY:
        if column in table:
            known = table[column].notna()
            text = np.full(len(table), "", dtype=object)
            text[known.to_numpy()] = format_yuan(table.loc[known, column].astype(np.int64).to_numpy())
            table[column] = text
    return table


def write_comparison(c: Comparison, out: Path, lang: str = "zh") -> dict[str, Path]:
    yearly, summary = _fen(yearly_table(c)), _fen(summary_table(c))
    stats, assessment, targets, assumptions = (
        statistics_table(c),
        assessment_table(c),
        targets_table(c),
        assumptions_table(c),
    )
    names = {
        case.label: case.scenario.name if lang == "zh" else case.scenario.name_en or case.scenario.name
        for case in c.cases
    }
    with atomic_folder(out) as folder:
        write_csv(_yuan_text(yearly), folder / "comparison.csv")
        write_csv(_yuan_text(summary), folder / "comparison_summary.csv")
        money = set(MONEY)
        sheets = [
            ("汇总", summary, money),
            ("逐年", yearly, money),
            ("统计数据", stats, set()),
            ("考核", assessment, set()),
            ("目标进度", targets, set()),
            ("假设", assumptions, set()),
        ]
        write_tables(folder / "comparison.xlsx", [(t, d, m) for t, d, m in sheets if len(d)])
        charts = comparison_charts(yearly, summary, names, c.discount_rate, lang)
        for name, fig in charts.items():
            save(fig, folder / name, close=False)
        write_report(
            folder / "report.pdf",
            names,
            assumptions,
            summary,
            assessment,
            targets,
            charts,
            len(c.cases[0].projection.outcomes),
            lang,
        )
    return {p.name: out / p.name for p in sorted(Path(out).iterdir())}
