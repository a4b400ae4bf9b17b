"""What `ftzshare tune` writes: tuning.csv and summary.json for scripts; tuning.xlsx (Chinese headers, 万元),
the chart (PNG, SVG) and report.pdf for people. The folder is replaced whole (`analysis.outputs.atomic`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from analysis.comparison import terms_text
from analysis.outputs.atomic import atomic_folder
from analysis.outputs.charts import apply_fonts, language, new_figure, save, saving
from analysis.outputs.presentation import Names, View, header, in_unit, percent_text, phases_text, render, unit_for
from analysis.outputs.report import table_pages
from analysis.outputs.styles import HOST_COLOUR, ORIGIN_COLOUR
from analysis.outputs.tables import write_csv
from analysis.outputs.workbook import write_tables
from analysis.risk import band, probability_positive
from analysis.tuning import (
    CANDIDATES,
    MAX_SHAPLEY_AGREEMENTS,
    PV_YEARS,
    Sample,
    Tuning,
    averages_phases,
    formula_weights,
)

COLUMNS = (
    "origin_share",
    "origin_gain",
    "host_gain",
    "origin_gain_p5",
    "origin_gain_p95",
    "host_gain_p5",
    "host_gain_p95",
    "origin_positive",
    "host_positive",
)
MONEY = ("origin_gain", "host_gain", "origin_gain_p5", "origin_gain_p95", "host_gain_p5", "host_gain_p95")
COLOURS = {"origin": ORIGIN_COLOUR, "host": HOST_COLOUR}  # as in every chart of receipts


def table(t: Tuning) -> pd.DataFrame:
    """One row per origin share evaluated (grid and candidates): expected gains, 5–95% ranges, P(gain > 0);
    gains in yuan, and `candidates` naming the candidates at that share."""
    rows = []
    for s in t.table():
        names = [c for c in CANDIDATES if t.candidates[c] == s.share]
        (_, origin_p5, origin_p95), (_, host_p5, host_p95) = band(s.origin), band(s.host)
        rows.append(
            {
                "origin_share": s.share,
                "origin_gain": s.origin.mean(),
                "host_gain": s.host.mean(),
                "origin_gain_p5": origin_p5,
                "origin_gain_p95": origin_p95,
                "host_gain_p5": host_p5,
                "host_gain_p95": host_p95,
                "origin_positive": probability_positive(s.origin),
                "host_positive": probability_positive(s.host),
                "candidates": ";".join(names),
            }
        )
    return pd.DataFrame(rows)


def machine_table(t: Tuning) -> pd.DataFrame:
    out = table(t)
    for column in MONEY:
        out[column] = [f"{v:.2f}" for v in out[column]]
    out["origin_share"] = [f"{v:.6f}" for v in out["origin_share"]]
    return out


def statement(t: Tuning, lang: str = "zh") -> str:
    """The feasible range, or why there is none, in words."""
    confidence = f"{t.confidence:.0%}"
    if t.feasible is not None:
        low, high = t.feasible
        return render("tune_feasible", lang, low=f"{low:.4f}", high=f"{high:.4f}", confidence=confidence)
    b = t.blocking
    assert b is not None
    return render(
        f"tune_infeasible_{b.side}", lang, confidence=confidence, shortfall=f"{b.shortfall:,.2f}", share=b.share
    )


def summary(t: Tuning) -> dict:
    return {
        "scenario": t.scenario.name,
        "scenario_sha256": t.scenario.sha256(),
        "agreement": t.agreement,
        "shape": t.shape,
        "objective": t.objective,
        "confidence": t.confidence,
        "discount_rate": t.discount_rate,
        "seed": t.seed,
        "replications": t.replications,
        "method": {
            "evaluation": t.method,
            "search": "exact re-splits"
            if t.method == "resplit"
            else "the 21-share grid simulated, roots and maxima of its cubic-spline interpolant; candidates simulated",
            "break_even": "scipy.optimize.brentq, bracketed by sign changes on the 21-share grid",
            "nash": "grid shares in the feasible range, refined by scipy.optimize.minimize_scalar (bounded)",
            "feasible": "participation margins (order statistics) crossing zero, scipy.optimize.brentq",
            "formula_weights": formula_weights(t.scenario.horizon.start_year),
            "shapley": render(t.shapley_note, "en", limit=MAX_SHAPLEY_AGREEMENTS),
            "gain": "net fiscal benefit vs the no-agreement world, first 10 horizon years, present value",
        },
        "feasible": list(t.feasible) if t.feasible else None,
        "infeasible": None
        if t.blocking is None
        else {"side": t.blocking.side, "shortfall_yuan": round(t.blocking.shortfall, 2), "at": t.blocking.share},
        "statement": statement(t, "zh"),
        "statement_en": statement(t, "en"),
        "candidates": dict(t.candidates),
        "tuned": t.tuned,
        # today's terms as written, when the shape's parameter at candidates["current"] stands in for others
        "written_terms_gain_yuan": None
        if t.written is None
        else {"origin": round(float(t.written.origin.mean()), 2), "host": round(float(t.written.host.mean()), 2)},
        "shapley": None
        if t.shapley is None
        else {
            "players": t.shapley.players,
            "values_yuan": {p: round(v, 2) for p, v in t.shapley.values.items()},
            "coalitions_yuan": {"+".join(sorted(k)): round(v, 2) for k, v in t.shapley.coalitions.items()},
        },
        "formula_factors_yuan": t.formula_factors,
        "notes": [render(n, "en") for n in t.notes],
    }


def candidate_name(name: str, lang: str) -> str:
    return render(f"tune_candidate_{name}", lang)


def people_view(t: Tuning, lang: str = "zh") -> View:
    """tuning.csv for people: Chinese headers, gains in 万元 (or 亿元), candidates named."""
    data = table(t)
    unit = unit_for(data[list(MONEY)].to_numpy() * 100)
    out = pd.DataFrame({header("origin_share", lang): [f"{v:.4f}" for v in data["origin_share"]]})
    for column in MONEY:
        out[header(column, lang, unit)] = in_unit(data[column].to_numpy() * 100, unit)
    for column in ("origin_positive", "host_positive"):
        out[header(column, lang)] = [f"{v:.0%}" for v in data[column]]
    out[header("candidate", lang)] = [
        render("list_separator", lang).join(candidate_name(n, lang) for n in names.split(";") if n)
        for names in data["candidates"]
    ]
    money = tuple(header(c, lang, unit) for c in MONEY)
    return View(out, unit, money, note(t, lang), render("sheet_tuning", lang))


def candidates_view(t: Tuning, lang: str = "zh") -> View:
    names = Names(t.scenario, lang)
    origin, host = t.party_ids
    rows = []

    def row(name: str, share: float | None, s: Sample | None, why: str) -> dict:
        return {
            header("candidate", lang): name,
            header("origin_share", lang): "" if share is None else f"{share:.4f}",  # as the ratio editors take it
            f"{names.party(origin)}": np.nan if s is None else s.origin.mean() * 100,
            f"{names.party(host)}": np.nan if s is None else s.host.mean() * 100,
            header("candidate_note", lang): why,
        }

    for c in CANDIDATES:
        share = t.candidates[c]
        sample = t.samples.get(share) if share is not None else None
        rows.append(row(candidate_name(c, lang), share, sample, candidate_note(t, c, lang)))
        if c == "current" and t.written is not None:  # beside the stand-in, today's terms themselves
            why = render("tune_why_written", lang, terms=terms_text(t.terms, lang))
            rows.append(row(render("tune_candidate_written", lang), None, t.written, why))
    frame = pd.DataFrame(rows)
    money_columns = [names.party(origin), names.party(host)]
    unit = unit_for(frame[money_columns].to_numpy())
    renamed = {}
    for column in money_columns:
        label = render("with_unit", lang, name=render("tune_explain_gain", lang, party=column), unit=unit.label(lang))
        frame[column] = in_unit(frame[column].to_numpy(), unit)
        renamed[column] = label
    frame = frame.rename(columns=renamed)
    return View(frame, unit, tuple(renamed.values()), note(t, lang), render("sheet_candidates", lang))


def candidate_note(t: Tuning, candidate: str, lang: str) -> str:
    """Why a candidate has no ratio, or how today's ratio stands in for today's terms (the average of several
    phases; one share without the cap and sunset) when it differs from them (`Tuning.written`)."""
    agreement = t.terms
    if candidate == "current":
        if t.written is None:
            return ""
        why = []
        if averages_phases(agreement, t.shape):
            years = min(PV_YEARS, t.scenario.horizon.years)
            why.append(render("tune_why_current_mean", lang, years=years, phases=phases_text(agreement.ratio, lang)))
        if t.shape == "flat" and (agreement.cap.origin_cumulative_yuan is not None or agreement.sunset_year):
            why.append(render("tune_why_current_flat", lang))
        return render("chart_note_join", lang).join(why)
    if t.candidates[candidate] is not None:
        return ""
    if candidate == "shapley":
        return render(t.shapley_note, lang, limit=MAX_SHAPLEY_AGREEMENTS)
    if candidate == "joint":
        return render("tune_note_joint_flat", lang)
    if candidate in ("nash", "host_share") and t.feasible is None:
        return render("tune_why_infeasible", lang)
    return render("tune_why_none", lang)


def note(t: Tuning, lang: str) -> str:
    return render("tune_figure_note", lang, rate=percent_text(t.discount_rate) + "%", n=t.replications, seed=t.seed)


def chart(t: Tuning, lang: str = "zh") -> Figure:
    """Each party's expected gain against the origin share, with 5–95% bands, the feasible range shaded and
    the candidates marked and labelled."""
    lang = language(lang)
    data = table(t)
    names = Names(t.scenario, lang)
    origin, host = t.party_ids
    unit = unit_for(data[list(MONEY)].to_numpy() * 100)
    fig = new_figure((11, 5.5))
    ax = fig.add_subplot()
    x = data["origin_share"].to_numpy()
    for side, party in (("origin", origin), ("host", host)):
        colour = COLOURS[side]
        mean = in_unit(data[f"{side}_gain"].to_numpy() * 100, unit)
        low = in_unit(data[f"{side}_gain_p5"].to_numpy() * 100, unit)
        high = in_unit(data[f"{side}_gain_p95"].to_numpy() * 100, unit)
        ax.plot(x, mean, color=colour, lw=2, label=names.party(party))
        band = f"{names.party(party)} {render('tune_band', lang)}"
        ax.fill_between(x, low, high, color=colour, alpha=0.15, lw=0, label=band)
    if t.feasible is not None:
        ax.axvspan(*t.feasible, color="#2ca02c", alpha=0.12, lw=0, label=render("tune_feasible_band", lang))
    ax.axhline(0, color="0.3", lw=0.8)
    top = ax.get_ylim()[1]
    marks = sorted((share, candidate_name(c, lang)) for c in CANDIDATES if (share := t.candidates[c]) is not None)
    groups: list[tuple[float, list[str]]] = []
    for share, label in marks:  # candidates within 0.02 of each other share one line and one label
        if groups and share - groups[-1][0] < 0.02:
            groups[-1][1].append(label)
        else:
            groups.append((share, [label]))
    for i, (share, labels) in enumerate(groups):
        ax.axvline(share, color="0.4", lw=0.8, ls="--")
        right = share > 0.8  # written leftwards near the right edge, not out under the legend
        ax.annotate(
            render("list_separator", lang).join(labels),
            (share, top),
            xytext=(-2 if right else 2, -4 - 14 * (i % 4)),
            textcoords="offset points",
            fontsize=7.5,
            va="top",
            ha="right" if right else "left",
        )
    ax.set_xlim(0, 1)
    ax.set_xlabel(render("tune_x", lang))
    ax.set_ylabel(render("with_unit", lang, name=render("tune_y", lang), unit=unit.label(lang)))
    ax.set_title(render("tune_title", lang, agreement=names.agreement(t.agreement)))
    ax.legend(loc="upper left", fontsize=8, bbox_to_anchor=(1.01, 1.0))
    separator = render("chart_note_join", lang)
    # as the figure's lowest label, so that the layout keeps it clear of the axis label above it
    fig.supxlabel(statement(t, lang) + separator + note(t, lang), fontsize=7, x=0.01, ha="left", wrap=True)
    return apply_fonts(fig)


def report_pages(t: Tuning, lang: str = "zh") -> list[Figure]:
    """The tuning page(s) of a PDF report: the chart, then the candidates and the grid as tables."""
    lang = language(lang)
    candidates, grid = candidates_view(t, lang), people_view(t, lang)
    return [chart(t, lang), *table_pages(candidates.title, candidates, lang), *table_pages(grid.title, grid, lang)]


def write_tuning(t: Tuning, out: Path, lang: str = "zh") -> dict:
    """Write the folder; returns summary.json's content."""
    content = summary(t)
    with atomic_folder(out) as folder:
        write_csv(machine_table(t), folder / "tuning.csv")
        (folder / "summary.json").write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
        views = [candidates_view(t, lang), people_view(t, lang)]
        write_tables(folder / "tuning.xlsx", views, render("tune_title", lang, agreement=t.agreement), "", lang)
        save(chart(t, lang), folder / "tuning")
        with (
            saving("pdf"),
            PdfPages(
                folder / "report.pdf", metadata={"Creator": "ftzshare", "Producer": None, "CreationDate": None}
            ) as pdf,
        ):
            for page in report_pages(t, lang):
                pdf.savefig(page)
    return content
