"""Charts for reports and the app, drawn once here for the CLI and the browser alike (matplotlib).

Chinese by default, in 万元 or 亿元; a CJK font installed by the project's setup (Debian fonts-noto-cjk)
keeps the labels readable — without one the charts fall back to English rather than show boxes.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.messages import render  # noqa: E402
from sim.scenario import Scenario  # noqa: E402

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Droid Sans Fallback")
FEN_PER = {"wan": 1_000_000, "yi": 10_000_000_000}


@cache
def cjk_family() -> str | None:
    """The first CJK font matplotlib can use, or None."""
    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in available), None)


def language(requested: str = "zh") -> str:
    """Chinese when asked for and a CJK font exists; otherwise English, said once on stderr."""
    if requested == "zh" and cjk_family() is None:
        print(f"warning: {render('no_cjk_font', 'zh')} / {render('no_cjk_font', 'en')}", file=sys.stderr)
        return "en"
    return requested


def style() -> dict:
    """matplotlib settings every chart and export of the product uses: the CJK font, stable SVG ids."""
    family = cjk_family()
    return {
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.hashsalt": "ftzshare",  # stable ids: same data → same SVG bytes
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
    }


def unit_for(fen: np.ndarray) -> str:
    return "yi" if np.abs(fen).max(initial=0) >= 10 * FEN_PER["yi"] else "wan"


def receipts_chart(scenario: Scenario, receipts: np.ndarray, lang: str = "zh") -> Figure:
    """Yearly receipts of origin and host per agreement: the first replication's line, and when there are
    several replications their median and 5–95% range. `receipts` is [replication, agreement, year, column] in
    fen, columns as in `analysis.projection` (central, origin, host, ...)."""
    lang = language(lang)
    names = {p.id: (p.name if lang == "zh" else p.name_en or p.name) for p in scenario.parties}
    years = scenario.horizon.start_year + np.arange(receipts.shape[2])
    unit = unit_for(receipts[..., 1:3])
    scale = FEN_PER[unit]
    n = len(scenario.agreements)
    with plt.rc_context(style()):
        fig, axes = plt.subplots(n, 1, figsize=(8, 3.2 * n), squeeze=False, layout="constrained")
        for i, (a, ax) in enumerate(zip(scenario.agreements, axes[:, 0], strict=True)):
            for column, key, party, colour in (
                (1, "chart_origin", a.origin, "#c0392b"),
                (2, "chart_host", a.host, "#2471a3"),
            ):
                values = receipts[:, i, :, column] / scale
                label = render(key, lang, name=names[party])
                if len(values) > 1:
                    low, mid, high = np.percentile(values, [5, 50, 95], axis=0)
                    ax.fill_between(years, low, high, color=colour, alpha=0.15, linewidth=0)
                    ax.plot(years, mid, color=colour, label=label, marker="o", markersize=3)
                else:
                    ax.plot(years, values[0], color=colour, label=label, marker="o", markersize=3)
            agreement_name = f"{names[a.origin]} → {names[a.host]}"
            ax.set_title(
                render("chart_receipts_title", lang, agreement=agreement_name, unit=render(f"unit_{unit}", lang))
            )
            ax.set_xlabel(render("chart_year", lang))
            ax.set_xticks(years)
            ax.grid(alpha=0.3)
            ax.legend(loc="upper left", fontsize=8)
        if len(receipts) > 1:
            fig.text(0.99, 0.005, render("chart_band", lang, low=5, high=95, n=len(receipts)), ha="right", fontsize=7)
    return fig


def save(fig: Figure, stem: Path, formats: tuple[str, ...] = ("png", "svg"), close: bool = True) -> list[Path]:
    """Write the figure in each format, with no timestamps so that outputs are byte-identical."""
    paths = []
    with plt.rc_context(style()):
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            metadata = (
                {"Software": None} if fmt == "png" else {"Date": None} if fmt == "svg" else {"CreationDate": None}
            )
            fig.savefig(path, format=fmt, dpi=150, metadata=metadata)
            paths.append(path)
    if close:
        plt.close(fig)
    return paths


def comparison_charts(yearly, summary, names: dict[str, str], rate: float, lang: str = "zh") -> dict[str, Figure]:
    """Yearly receipts per design for each role, present values and net benefit (from `analysis.comparison`)."""
    lang = language(lang)
    unit = unit_for(summary["receipts"].to_numpy())
    scale = FEN_PER[unit]
    unit_text = render(f"unit_{unit}", lang)
    figures = {}
    with plt.rc_context(style()):
        fig, axes = plt.subplots(2, 1, figsize=(9, 8), layout="constrained")
        for ax, role in zip(axes, ("origin", "host"), strict=True):
            rows = (
                yearly[yearly["role"] == role].groupby(["scenario", "year"], sort=False)["receipts"].sum().reset_index()
            )
            for label, group in rows.groupby("scenario", sort=False):
                ax.plot(group["year"], group["receipts"] / scale, marker="o", markersize=3, label=names[label])
            ax.set_title(render("chart_compare_yearly", lang, role=render(f"role_{role}", lang), unit=unit_text))
            ax.set_xlabel(render("chart_year", lang))
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, ncol=2)
        figures["comparison_yearly"] = fig
        for key, column, title in (
            ("comparison_npv", "npv", render("chart_compare_npv", lang, rate=f"{rate * 100:g}", unit=unit_text)),
            ("comparison_net", "net_benefit", render("chart_compare_net", lang, unit=unit_text)),
        ):
            fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
            by_role = summary.groupby(["scenario", "role"], sort=False)[column].sum().unstack("role")
            labels = [names[s] for s in by_role.index]
            x = np.arange(len(labels))
            for offset, role, colour in ((-0.2, "origin", "#c0392b"), (0.2, "host", "#2471a3")):
                if role in by_role:
                    ax.bar(
                        x + offset, by_role[role] / scale, width=0.4, color=colour, label=render(f"role_{role}", lang)
                    )
            ax.set_xticks(x, labels, rotation=20, ha="right", fontsize=7)
            ax.set_title(title)
            ax.grid(alpha=0.3, axis="y")
            ax.legend(fontsize=8)
            figures[key] = fig
    return figures


def waterfall_chart(parts: list[tuple[str, str, int]], lang: str = "zh") -> Figure:
    """Total tax falling step by step to central, each upper level, origin and host. `parts` is
    [(id, label, fen)] starting with the total; the steps end at zero, as the parts add up to the total."""
    lang = language(lang)
    unit = unit_for(np.array([fen for _, _, fen in parts]))
    scale = FEN_PER[unit]
    with plt.rc_context(style()):
        fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
        total = parts[0][2] / scale
        ax.bar(0, total, color="#555555")
        level = total
        for x, (_, _, fen) in enumerate(parts[1:], start=1):
            value = fen / scale
            ax.bar(
                x,
                -value,
                bottom=level,
                color="#c0392b" if x == len(parts) - 2 else "#2471a3" if x == len(parts) - 1 else "#999999",
            )
            level -= value
        ax.set_xticks(range(len(parts)), [label for _, label, _ in parts], fontsize=8)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_title(render("chart_waterfall", lang, unit=render(f"unit_{unit}", lang)))
        ax.grid(alpha=0.3, axis="y")
    return fig
