"""What `ftzshare calibrate` writes, as one folder (atomically): the fitted values, the scenario with them
written in, the backtest table and its chart.

- `calibration.json`: per parameter its key path, bounds, start, the optimum and the value written (whole
  numbers rounded); the optimizer's evaluations, cost and message; seed and replications.
- `scenario_calibrated.yaml`: the scenario with the values written in; it loads and runs like any scenario.
- `backtest.csv`: `series,year,published,simulated_median,simulated_p5,simulated_p95,error_pct,source`
  (a mid-year figure has year x.5; `error_pct` is the median's error against the published figure).
- `backtest.png` / `.svg`: one panel per series — published figures as points, the simulated median and its
  5–95% range over replications.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.calibration import Result
from analysis.outputs.atomic import atomic_folder
from analysis.outputs.charts import apply_fonts, grid_shape, language, new_figure, save
from analysis.outputs.tables import write_csv
from analysis.risk import band
from sim.messages import render
from sim.scenario.loading import dump_scenario

YUAN_PER_100M = 1e8


def backtest_table(result: Result) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series": [r.series for r in result.rows],
            "year": [r.year for r in result.rows],
            "published": [r.published for r in result.rows],
            "simulated_median": [round(r.median, 2) for r in result.rows],
            "simulated_p5": [round(r.p5, 2) for r in result.rows],
            "simulated_p95": [round(r.p95, 2) for r in result.rows],
            "error_pct": [round(r.error_pct, 1) for r in result.rows],
            "source": [r.source for r in result.rows],
        }
    )


def summary(result: Result) -> dict:
    block = result.scenario.calibration
    assert block is not None
    return {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "replications": result.replications,
        "evaluations": result.evaluations,
        "cost": round(result.cost, 8),
        "status": result.status,
        "parameters": [
            {
                "path": p.path,
                "lower": p.lower,
                "upper": p.upper,
                "start": result.start[p.path],
                "fitted": round(result.fitted[p.path], 6),
                "written": result.written[p.path],
            }
            for p in block.parameters
        ],
    }


def backtest_chart(result: Result, lang: str = "zh"):
    """Published figures against the calibrated model, one small panel per series."""
    lang = language(lang)
    block = result.scenario.calibration
    assert block is not None
    rows, cols = grid_shape(len(block.series))
    fig = new_figure((4.2 * cols, 3.2 * rows + 0.6))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    years = result.scenario.horizon.start_year + np.arange(result.scenario.horizon.years)
    for ax, series in zip(axes, block.series, strict=False):
        entities = series.unit == "entities"
        scale, unit = (1.0, "calibration_unit_entities") if entities else (YUAN_PER_100M, "calibration_unit_100m")
        paths = result.paths[series.id] / scale
        mid, low, high = band(paths)
        ax.fill_between(years, low, high, color="#9ecae1", alpha=0.6, label=render("calibration_range", lang))
        ax.plot(years, mid, color="#08519c", label=render("calibration_median", lang))
        shown = [r for r in result.rows if r.series == series.id]
        for fitted in (True, False):
            points = [r for r in shown if r.fitted == fitted]
            if points:
                ax.plot(
                    [r.year - 1 if r.year % 1 else r.year for r in points],  # mid-year Y: between year-ends Y−1, Y
                    [r.published / scale for r in points],
                    "o",
                    color="#d94801",
                    markerfacecolor="#d94801" if fitted else "white",
                    label=render("calibration_published", lang)
                    + ("" if fitted else render("calibration_not_fitted", lang)),
                )
        name = series.name if lang == "zh" or not series.name_en else series.name_en
        ax.set_title(name, fontsize=10)
        ax.set_ylabel(render(unit, lang))
        ax.set_xticks(years)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    for ax in axes[len(block.series) :]:
        ax.set_visible(False)
    fig.suptitle(render("calibration_title", lang), fontsize=11)
    fig.supxlabel(render("calibration_note", lang, replications=result.replications), fontsize=8)
    return apply_fonts(fig)


def write_calibration(result: Result, out: Path, lang: str = "zh") -> dict:
    info = summary(result)
    note = f"Calibrated by ftzshare calibrate (seed {result.seed}, {result.replications} replications)."
    with atomic_folder(out) as folder:
        (folder / "calibration.json").write_text(
            json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        (folder / "scenario_calibrated.yaml").write_text(dump_scenario(result.scenario, note), encoding="utf-8")
        write_csv(backtest_table(result), folder / "backtest.csv")
        save(backtest_chart(result, lang), folder / "backtest")
    return info
