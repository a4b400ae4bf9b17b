"""report.pdf: a multi-page report officials can attach — designs and their terms in words, charts, summary
tables with totals, the risk figures over every replication (the probability each party gains, value at risk,
revocation, floor and cap), statistics, assessment and targets. Everything on it comes from the presentation layer
(`analysis.outputs.presentation`): names not ids, one unit per table stated in its headers and title, and on
every page a line saying what the figures are (means over N replications, or replication 1 and its seed).

Drawn with matplotlib so the charts are the same as the PNG/SVG ones; CJK fonts are embedded (TrueType/CID,
with a Unicode map, so the Chinese text can be searched and copied)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from analysis.comparison import Comparison, case_names, figure_kind, terms_text
from analysis.outputs.charts import apply_fonts, families, language, new_figure, saving
from analysis.outputs.presentation import Names, View, render

A4 = (8.27, 11.69)
A4_LANDSCAPE = (11.69, 8.27)
ROWS_PER_PAGE = 32


def write_report(
    path: Path, c: Comparison, views: dict[str, View], charts: dict[str, Figure], lang: str = "zh"
) -> None:
    """`views` are the comparison's people views in `lang` (`comparison_files.people_views`)."""
    lang = language(lang)
    with (
        saving("pdf"),
        PdfPages(path, metadata={"Creator": "ftzshare", "Producer": None, "CreationDate": None}) as pdf,
    ):
        pdf.savefig(_cover(c, lang))
        for fig in charts.values():  # each chart says what its figures are (`charts.comparison_charts`)
            pdf.savefig(fig)
        summary = views["summary"]
        for page in table_pages(_titled(summary, lang), summary, lang):
            pdf.savefig(page)
        for key in ("risk", "zone_risk"):  # over every replication (`analysis.risk`)
            view = views.get(key)
            if view is not None and len(view.table):
                for page in table_pages(_titled(view, lang), view, lang):
                    pdf.savefig(page)
        statistics = views["statistics"]
        if len(statistics.table):
            for page in table_pages(statistics.title, statistics, lang):
                pdf.savefig(page)
        assessment = views["assessment"]
        if len(assessment.table):
            for page in table_pages(*_assessment_summary(c, lang)):
                pdf.savefig(page)
        targets = views["targets"]
        if len(targets.table):
            for page in table_pages(targets.title, _targets_summary(targets), lang):
                pdf.savefig(page)


def _titled(view: View, lang: str) -> str:
    return view.title if view.unit is None else render("with_unit", lang, name=view.title, unit=view.unit.label(lang))


def _cover(c: Comparison, lang: str) -> Figure:
    fig = new_figure(A4, layout=None)
    ax = fig.add_axes((0.06, 0.04, 0.88, 0.90))
    ax.axis("off")
    fig.suptitle(render("report_title", lang), fontsize=16, y=0.97)
    lines = [render("report_scenarios", lang), ""]
    cases = case_names(c, lang)
    width = 52 if lang == "zh" else 100  # a CJK character is about two Latin ones wide
    for case in c.cases:
        s, names = case.scenario, Names(case.scenario, lang)
        computed = render("computed_resplit" if case.projection.resplit else "computed_simulated", lang)
        head = render(
            "report_case",
            lang,
            name=cases[case.label],
            computed=computed,
            seed=case.projection.seed,
            n=len(case.projection.outcomes),
            sha=s.sha256()[:12],
        )
        lines.extend(textwrap.wrap("● " + head, width))
        for a in s.agreements:
            text = f"{names.agreement(a.id)}{'：' if lang == 'zh' else ': '}{terms_text(a, lang)}"
            lines.extend("    " + part for part in textwrap.wrap(text, width - 4))
    lines += ["", figure_kind(c, lang), render("report_illustrative", lang)]
    ax.text(0, 1, "\n".join(lines[:75]), va="top", fontsize=8)
    return apply_fonts(fig)


def _shown_width(text: str) -> int:
    """Width in Latin characters: a CJK character takes about two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _wrapped(text: str, width: int) -> str:
    """A cell's text on lines at most `width` Latin characters wide; a unit in brackets goes on its own line."""
    text = str(text)
    if _shown_width(text) <= width:
        return text
    for bracket in ("（", " ("):
        if bracket in text[1:]:
            name, _, unit = text.rpartition(bracket)  # the unit is the last bracket: a name may hold one too
            return _wrapped(name, width) + "\n" + _wrapped(bracket.strip() + unit, width)
    lines, line = [], ""
    for word in text.split(" ") if " " in text else list(text):
        candidate = f"{line} {word}" if line and " " in text else line + word
        if line and _shown_width(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return "\n".join([*lines, line])


def table_pages(title: str, view: View, lang: str) -> list[Figure]:
    """A view as one or more landscape pages: headers wrapped, numbers right-aligned, the note at the foot."""
    text = view.text()
    header = [_wrapped(h, 18) for h in text.columns]
    rows = [[_wrapped(v, 40 if j == 0 else 28) for j, v in enumerate(row)] for row in text.to_numpy()]
    numeric = [c in view.money for c in text.columns]
    widths = [
        max(_shown_width(line) for cell in [h, *(row[j] for row in rows)] for line in cell.split("\n")) + 2
        for j, h in enumerate(header)
    ]
    col_widths = [w / max(sum(widths), 1) for w in widths]
    pages = []
    for start in range(0, max(len(rows), 1), ROWS_PER_PAGE):
        chunk = rows[start : start + ROWS_PER_PAGE] or [[""] * len(header)]
        fig = new_figure(A4_LANDSCAPE, layout=None)
        ax = fig.add_axes((0.03, 0.06, 0.94, 0.86))
        ax.axis("off")
        fig.suptitle(title, fontsize=13, y=0.97)
        table = ax.table(cellText=chunk, colLabels=header, colWidths=col_widths, loc="upper center", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(8)
        lines = max(h.count("\n") for h in header) + 1
        for (row, col), cell in table.get_celld().items():
            cell.get_text().set_fontfamily(families())  # a table's cells are not among the texts apply_fonts finds
            if row == 0:
                cell.set_height(0.022 * lines + 0.01)
                cell.get_text().set_fontweight("bold")
            else:
                cell.set_height(0.022 * (max(v.count("\n") for v in chunk[row - 1]) + 1) + 0.006)
                if numeric[col]:
                    cell.get_text().set_horizontalalignment("right")
                    cell._loc = "right"
        if view.note:
            fig.text(0.03, 0.02, view.note, fontsize=8, va="bottom")
        pages.append(apply_fonts(fig))
    return pages


def _assessment_summary(c: Comparison, lang: str) -> tuple[str, View, str]:
    """Per design and zone: years passed and failed, the year revoked."""
    from analysis.comparison import assessment_table, first_replication_note

    table = assessment_table(c)
    cases = case_names(c, lang)
    rows = []
    for (label, zone), group in table.groupby(["scenario", "zone"], sort=False):
        names = Names(next(case.scenario for case in c.cases if case.label == label), lang)
        revoked = group.loc[group["revoked_this_year"].astype(bool), "year"]
        rows.append(
            {
                render("col_scenario", lang): cases[label],
                render("col_zone", lang): names.party(zone),
                render("col_passed", lang): int(group["passed"].astype(bool).sum()),
                render("col_failed", lang): int((~group["passed"].astype(bool)).sum()),
                render("col_revoked", lang): str(int(revoked.iloc[0])) if len(revoked) else "",
            }
        )
    counts = tuple(render(k, lang) for k in ("col_passed", "col_failed"))
    view = View(pd.DataFrame(rows), None, counts, first_replication_note(c, lang), row_decimals=(0,) * len(rows))
    return render("report_assessment_summary", lang), view, lang


def _targets_summary(targets: View) -> View:
    """One row per design and target: its goal (in the unit its name states), the year reached, met or not."""
    table = targets.table
    scenario, target, year, value, progress = table.columns[0], table.columns[1], table.columns[3], *table.columns[4:6]
    first = table.drop_duplicates([scenario, target]).drop(columns=[year, value, progress])
    return View(first.reset_index(drop=True), targets.unit, (table.columns[2],), targets.note, targets.title)
