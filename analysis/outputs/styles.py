"""How the charts tell parties and series apart: the page's SVG (`analysis.app_support`) and the files'
matplotlib charts (`analysis.outputs.charts`) alike, so that a party or a design looks the same on the page and
in the report handed on. No plotting library here: the page imports it without matplotlib."""

from __future__ import annotations

ORIGIN_COLOUR, HOST_COLOUR = "#c0392b", "#2471a3"
NEUTRAL_COLOUR, UPPER_COLOUR = "#555555", "#999999"  # the total, central's part, a key for any colour; upper levels
PALETTE = (  # one colour per design or zone, in order (matplotlib's "tab10")
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
PALETTE_20 = (  # for more than ten (the 15 Chongqing zones): matplotlib's "tab20"
    "#1f77b4",
    "#aec7e8",
    "#ff7f0e",
    "#ffbb78",
    "#2ca02c",
    "#98df8a",
    "#d62728",
    "#ff9896",
    "#9467bd",
    "#c5b0d5",
    "#8c564b",
    "#c49c94",
    "#e377c2",
    "#f7b6d2",
    "#7f7f7f",
    "#c7c7c7",
    "#bcbd22",
    "#dbdb8d",
    "#17becf",
    "#9edae5",
)
# The k-th line of a panel: solid, dashed, dotted, dash-dot — lines with equal values (a 50:50 split, two
# designs alike from some year on) still show each other. On and off lengths in line widths: matplotlib's own
# dashed, dotted and dash-dot patterns.
_DASHES: tuple[tuple[float, ...], ...] = ((), (3.7, 1.6), (1.0, 1.65), (6.4, 1.6, 1.0, 1.6))


def dashes(k: int) -> tuple[float, ...]:
    """The k-th line's on/off pattern in line widths; empty for a solid line."""
    return _DASHES[k % len(_DASHES)]
