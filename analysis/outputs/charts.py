"""Charts for reports and the app, drawn once here for the CLI and the browser alike (matplotlib).

Chinese by default; one unit per figure (万元 or 亿元, `analysis.outputs.presentation`), stated in the axis
labels; names, not ids; every axis labelled. A CJK font installed by the project's setup (Debian
fonts-noto-cjk) keeps the labels readable — without one the charts fall back to English rather than show boxes.

Safe for concurrent Streamlit sessions: only matplotlib's object-oriented API (`Figure` with its own Agg
canvas), never pyplot, whose figure list and rc toggling are process-wide. The font is given to every text
and tick label of a figure (`apply_fonts`), not through `rcParams`; the save-time settings that have no
per-call argument (the SVG id salt, for byte-identical SVG; TrueType fonts in PDF) are set for one save under a
lock and put back (`saving`).

- many agreements (15 Chongqing zones) are a grid of small panels on one scale, one per agreement;
- many designs are lines with their names written at the line ends, nudged apart so none hides another;
- the waterfall carries each bar's amount; the assessment chart shows each zone's points against the pass
  line and the probability it has been revoked by each year.
"""

from __future__ import annotations

import io
import math
import re
import struct
import sys
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox, ScaledTranslation

from analysis.outputs import presentation
from analysis.outputs.drawing import write_chart
from analysis.outputs.presentation import Names, amount_text, figure_note, in_unit, with_unit
from analysis.outputs.styles import (
    HOST_COLOUR,
    NEUTRAL_COLOUR,
    ORIGIN_COLOUR,
    PALETTE,
    PALETTE_20,
    UPPER_COLOUR,
    dashes,
)
from sim.messages import render
from sim.scenario import Scenario

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Droid Sans Fallback")
DPI = 150  # saved PNGs; figure sizes below are in inches
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")
END_LABEL = "end_label"  # gid of the names written at line ends
VALUE_LABEL = "value_label"  # gid of the amounts written on bars
GRID = {"colors": "#b0b0b0", "linewidths": 0.8, "alpha": 0.3}  # as `ax.grid(alpha=0.3)` draws it

# Save-time settings without a per-call argument (SVG ids; TrueType fonts in PDF, searchable Chinese): set for
# the duration of one save under this lock, never left in rcParams (`saving`).
_SAVE_SETTINGS = {"svg": {"svg.hashsalt": "ftzshare", "svg.fonttype": "path"}, "pdf": {"pdf.fonttype": 42}}
_SAVE_LOCK = threading.Lock()
_NO_LAYOUT_ENGINE = {"figure.autolayout": False, "figure.constrained_layout.use": False}
_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}


@cache
def cjk_family() -> str | None:
    """The first CJK font matplotlib can use, or None."""
    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in available), None)


def families() -> list[str]:
    """The font family every text of a chart is drawn with: the CJK font alone, which has every glyph the charts
    write (Latin, digits, "→", "%", full-width punctuation; tests check the message catalogue and the scenarios'
    names), else DejaVu Sans. One family, not a fallback list: matplotlib looks up every family of the list for
    every text it measures, and that was a large part of drawing a chart."""
    family = cjk_family()
    return [family] if family else ["DejaVu Sans"]


@cache
def _warn_no_cjk() -> None:
    print(f"warning: {render('no_cjk_font', 'zh')} / {render('no_cjk_font', 'en')}", file=sys.stderr)


def language(requested: str = "zh") -> str:
    """Chinese when asked for and a CJK font exists; otherwise English, said once on stderr."""
    if requested == "zh" and cjk_family() is None:
        _warn_no_cjk()
        return "en"
    return requested


def style() -> dict:
    """The rcParams equivalent of what the charts here set per text and per save — for code still drawing
    under `rc_context` (report pages). Charts made here do not need it."""
    return {
        "font.family": families(),
        "axes.unicode_minus": False,
        "svg.hashsalt": "ftzshare",  # stable ids: same data → same SVG bytes
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
    }


# ---------------------------------------------------------------- figures, fonts, saving


def new_figure(figsize: tuple[float, float], layout: str | None = "constrained") -> Figure:
    """A figure with its own Agg canvas, outside pyplot's figure list (nothing to close, nothing shared)."""
    fig = Figure(figsize=figsize, dpi=DPI, layout=layout)  # laid out at the dpi it is saved with
    FigureCanvasAgg(fig)
    if layout == "constrained":
        fig.get_layout_engine().set(w_pad=6 / 72, h_pad=6 / 72)
    return fig


def apply_fonts(fig: Figure) -> Figure:
    """Give every text of `fig` — titles, labels, legends, notes, and through `tick_params` the tick labels,
    also those made at draw time — the chart fonts, so the figure draws the same whatever rcParams another
    session has set. (Axis objects are not walked into: that would make every tick.)"""
    chosen = families()
    stack = [fig]
    while stack:
        artist = stack.pop()
        if isinstance(artist, Axis):
            for text in (artist.label, artist.offsetText):
                text.set_fontfamily(chosen)
            continue
        if isinstance(artist, Text):
            artist.set_fontfamily(chosen)
        stack.extend(artist.get_children())
    for ax in fig.axes:
        ax.tick_params(axis="both", which="both", labelfontfamily=chosen)
    return fig


def _finish(fig: Figure) -> Figure:
    """Fonts; a constrained layout computed once and frozen; then the direct labels spread apart in the final
    axes. Frozen by removing the layout engine, not by matplotlib's placeholder ("none"): while a figure has any
    engine, savefig draws it once more before drawing it for the file — a second layout of every text."""
    apply_fonts(fig)
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        fig.draw_without_rendering()
        with _settings(_NO_LAYOUT_ENGINE):  # None means "as rcParams say" to matplotlib
            fig.set_layout_engine(None)
    for ax in fig.axes:
        _spread_end_labels(ax)
    return fig


@contextmanager
def _settings(settings: Mapping[str, object]) -> Iterator[None]:
    """`settings` in rcParams under a lock, put back after: only those keys, so other sessions' are left be."""
    with _SAVE_LOCK:
        saved = {key: matplotlib.rcParams[key] for key in settings}
        matplotlib.rcParams.update(settings)
        try:
            yield
        finally:
            matplotlib.rcParams.update(saved)


@contextmanager
def saving(fmt: str) -> Iterator[None]:
    """While saving in `fmt`: the save-time settings savefig takes no argument for (SVG id salt; TrueType fonts
    in PDF), set under a lock and put back after. Use it around `PdfPages` too."""
    settings = _SAVE_SETTINGS.get(fmt)
    if not settings:
        yield
        return
    with _settings(settings):
        yield


def figure_bytes(fig: Figure, fmt: str, dpi: int = DPI) -> bytes:
    """The figure as PNG, SVG or PDF bytes, with no timestamps: same figure → same bytes."""
    buffer = io.BytesIO()
    if fmt == "png":
        fig.savefig(buffer, format="raw", dpi=dpi)  # the pixels as savefig draws them, RGBA
        width = int(fig.get_figwidth() * dpi)  # as the Agg renderer sizes its canvas
        return png_bytes(np.frombuffer(buffer.getvalue(), np.uint8).reshape(-1, width, 4), dpi)
    with saving(fmt):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_METADATA.get(fmt))
    return _numbered_ids(buffer.getvalue()) if fmt == "svg" else buffer.getvalue()


def png_bytes(rgba: np.ndarray, dpi: int) -> bytes:
    """A PNG of `rgba` ([row, column, RGBA] uint8): RGB when every pixel is opaque (a chart's white ground),
    each row filtered as its difference from the row above ("Up", all charts have long runs of equal columns),
    zlib level 3, the resolution stated, no text chunks. Written here rather than by Pillow, which tries every
    filter on every row of 4-channel pixels: on the Chongqing charts this is 4–6 times faster at about the same
    size (0.02 s, 276 kB for the 2332 × 1305 receipts grid; Pillow at level 3: 0.13 s, 294 kB)."""
    opaque = bool((rgba[..., 3] == 255).all())
    height, width, channels = rgba.shape[0], rgba.shape[1], 3 if opaque else 4
    if opaque:  # alpha dropped by copying 3-byte items: much faster than slicing [..., :3]
        rgba = np.ascontiguousarray(rgba).view([("rgb", "V3"), ("alpha", "u1")])["rgb"]
    flat = np.ascontiguousarray(rgba).view(np.uint8).reshape(height, width * channels)
    rows = np.empty((height, width * channels + 1), np.uint8)
    rows[:, 0] = 2  # filter type "Up"; the first row's "above" is zero, so it is stored as it is
    rows[0, 1:] = flat[0]
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])  # modulo 256, as the filter is defined

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    per_metre = round(dpi / 0.0254)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)),
            chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            chunk(b"IDAT", zlib.compress(rows, 3)),
            chunk(b"IEND", b""),
        )
    )


_SVG_ID = re.compile(rb'id="([a-z]+[0-9a-f]{10})"')


def _numbered_ids(svg: bytes) -> bytes:
    """SVG ids renumbered in order of appearance. matplotlib names a clip path by a hash of its float bounds,
    whose last bits can differ between two layouts of the same figure in one process; the ids mean nothing to a
    reader, their order is stable."""
    names = dict.fromkeys(_SVG_ID.findall(svg))
    if not names:
        return svg
    renamed = {name: b"%s%d" % (name[:1], k) for k, name in enumerate(names)}
    pattern = re.compile(b"|".join(re.escape(n) for n in names))
    return pattern.sub(lambda m: renamed[m.group(0)], svg)


SAVED = ("png", "svg")  # the formats a chart is saved in


def save(fig: Figure, stem: Path, formats: tuple[str, ...] = SAVED) -> list[Path]:
    """Write the figure in each format, byte-identical for the same data."""
    return write_chart({fmt: figure_bytes(fig, fmt) for fmt in formats}, stem)


# ---------------------------------------------------------------- small helpers


class _Numbers(Formatter):
    """Tick labels with thousands separators, as few decimals as the ticks need (at most `decimals`), an ASCII
    minus and no "-0" — independent of rcParams."""

    def __init__(self, decimals: int = 2) -> None:
        self.decimals = decimals

    @staticmethod
    def _text(value: float, decimals: int) -> str:
        value = round(float(value), decimals) + 0.0
        return f"{value:,.{decimals}f}"

    def format_ticks(self, values):
        needed = presentation.tick_decimals(values, self.decimals)
        return [self._text(v, needed) for v in values]

    def __call__(self, x, pos=None) -> str:
        return self._text(x, self.decimals)


def _line(k: int) -> str | tuple[int, tuple[float, ...]]:
    """The k-th line's style (`styles.dashes`), as matplotlib takes it."""
    return (0, dashes(k)) if dashes(k) else "-"


def _width_em(text: str) -> float:
    """Rough width of a line in em: CJK characters are square, Latin about half as wide."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)


_NO_LINE_START = set("、，。：；！？）」』》〉】,.:;!?)]»")


def _wrap(text: str, em: float) -> str:
    """Break a label into lines of at most about `em` em, as even as possible: after an arrow, else between
    words or CJK characters, never starting a line with closing punctuation."""
    if _width_em(text) <= em:
        return text
    if " → " in text:
        head, tail = text.split(" → ", 1)
        return f"{head} →\n{_wrap(tail, em)}"
    pieces: list[str] = []  # words and spaces; CJK one character at a time, closing punctuation kept with it
    for word in re.split(r"( )", text):
        for piece in word if any(unicodedata.east_asian_width(c) in "WF" for c in word) else [word]:
            if pieces and piece and piece[0] in _NO_LINE_START:
                pieces[-1] += piece
            else:
                pieces.append(piece)
    lines_needed = math.ceil(_width_em(text) / em)
    target = _width_em(text) / lines_needed
    lines, line = [], ""
    for piece in pieces:
        if line.strip() and len(lines) < lines_needed - 1 and _width_em(line + piece) > target + 0.5:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    return "\n".join([*lines, line.rstrip()])


def _shown_years(years: np.ndarray, most: int) -> np.ndarray:
    """At most `most` of the years, evenly spaced from the first, for tick labels."""
    return years[:: max(1, math.ceil(len(years) / most))]


def _year_ticks(ax: Axes, years: np.ndarray, most: int) -> None:
    shown = _shown_years(years, most)
    ax.set_xticks(shown, [str(int(y)) for y in shown])
    if len(shown) < len(years) and most > 4:  # not in small panels: every tick costs drawing time, times the panels
        ax.set_xticks(years, minor=True)


def _note(fig: Figure, lines: list[str], lang: str) -> None:
    """What the figure's amounts are, beside it (bottom right)."""
    text = render("chart_note_join", lang).join(line for line in lines if line)
    if text:
        fig.text(0.995, 0.003, text, ha="right", va="bottom", fontsize=7, color="#444444")


# ---------------------------------------------------------------- direct labels at line ends


def _add_end_labels(ax: Axes, items: list[tuple[str, float, float, str]], fontsize: float = 8) -> list[Text]:
    """Names written just right of each line's last point (`items`: text, last x, last y, colour). They are
    placed where the lines end and spread apart after the layout (`_spread_end_labels`)."""
    offset = ax.transAxes + ScaledTranslation(6 / 72, 0, ax.figure.dpi_scale_trans)
    labels = []
    for text, _, _, colour in items:
        label = ax.text(1.0, 0.5, text, transform=offset, ha="left", va="center", fontsize=fontsize, color=colour)
        label.set_gid(END_LABEL)
        label.set_clip_on(False)
        labels.append(label)
    ax._ftz_end_labels = [(label, x, y, colour) for label, (_, x, y, colour) in zip(labels, items, strict=True)]
    ax._ftz_end_labels_placed = False
    # until spread, put each at its line's end so that the layout makes room for them
    _place_end_labels(ax, [_to_axes(ax, x, y)[1] for _, x, y, _ in items])
    return labels


def _to_axes(ax: Axes, x: float, y: float) -> tuple[float, float]:
    """A data point in axes fraction, whatever the scales (linear, symlog)."""
    fx, fy = ax.transAxes.inverted().transform(ax.transData.transform((x, y)))
    return float(fx), float(fy)


def _place_end_labels(ax: Axes, positions: list[float]) -> None:
    for (label, *_), p in zip(ax._ftz_end_labels, positions, strict=True):
        label.set_y(p)


def spread(targets: Sequence[float], heights: Sequence[float], low: float = 0.0, high: float = 1.0) -> list[float]:
    """Centres for labels wanted at `targets`, each `heights[i]` tall, so that no two overlap: clusters of
    colliding labels are stacked around their targets' mean, then kept within [low, high] where they fit.
    Deterministic: ties keep the given order."""
    n = len(targets)
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: (targets[i], i))
    clusters: list[list[int]] = []

    def layout(members: list[int]) -> list[float]:
        offsets, at = [], 0.0
        for k, m in enumerate(members):
            if k:
                at += (heights[members[k - 1]] + heights[m]) / 2
            offsets.append(at)
        shift = sum(targets[m] - o for m, o in zip(members, offsets, strict=True)) / len(members)
        return [o + shift for o in offsets]

    placed: dict[int, float] = {}
    for i in order:
        clusters.append([i])
        while len(clusters) > 1:
            before, last = layout(clusters[-2]), layout(clusters[-1])
            a, b = clusters[-2][-1], clusters[-1][0]
            if before[-1] + (heights[a] + heights[b]) / 2 <= last[0] + 1e-12:
                break
            clusters[-2:] = [clusters[-2] + clusters[-1]]
    for members in clusters:
        placed.update(zip(members, layout(members), strict=True))
    p = [placed[i] for i in order]
    h = [heights[i] for i in order]
    # within bounds where they fit: push up from the bottom, then down from the top (the gaps are kept)
    p[0] = max(p[0], low + h[0] / 2)
    for k in range(1, n):
        p[k] = max(p[k], p[k - 1] + (h[k - 1] + h[k]) / 2)
    p[-1] = min(p[-1], high - h[-1] / 2)
    for k in range(n - 2, -1, -1):
        p[k] = min(p[k], p[k + 1] - (h[k] + h[k + 1]) / 2)
    out = [0.0] * n
    for k, i in enumerate(order):
        out[i] = p[k]
    return out


def _spread_end_labels(ax: Axes) -> None:
    items = getattr(ax, "_ftz_end_labels", None)
    if not items or ax._ftz_end_labels_placed:
        return
    renderer = ax.figure.canvas.get_renderer()
    height = ax.bbox.height or 1.0
    pad = 2.0 * ax.figure.dpi / 72 / height  # 2 pt between labels
    heights = [label.get_window_extent(renderer).height / height + pad for label, *_ in items]
    ends = [_to_axes(ax, x, y) for _, x, y, _ in items]
    positions = spread([y for _, y in ends], heights, 0.0, 1.0)
    _place_end_labels(ax, positions)
    for (_, _, _, colour), (x, y), p in zip(items, ends, positions, strict=True):
        if abs(p - y) * height > 1.0:  # moved: a thin leader from the line's end to its name
            leader = Line2D([x, 1.0], [y, p], transform=ax.transAxes, color=colour, linewidth=0.6, alpha=0.7)
            leader.set_clip_on(False)
            ax.add_line(leader)
    ax._ftz_end_labels_placed = True


# ---------------------------------------------------------------- receipts by agreement


def grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns of small panels for `n` agreements: about 3:2 wide, at most 6 columns, no empty column."""
    if n <= 1:
        return 1, 1
    columns = min(6, math.ceil(math.sqrt(n * 1.6)))
    rows = math.ceil(n / columns)
    while columns > 1 and (columns - 1) * rows >= n:
        columns -= 1
    return rows, columns


def _one_scale(panels: list[Axes], columns: int, xticks: Sequence[float], xlabels: Sequence[str]) -> None:
    """Small panels in a grid of `columns` on one scale — the limits autoscaled to all panels' data together —
    with ticks only where they are read: the years under the lowest panel of each column, the amounts left of
    the first panel of each row; every panel has the grid, drawn as one collection. Not matplotlib's shared
    axes: those give every panel its own ticks (five artists each, hidden labels included), which made up most
    of the time a grid of 15 panels took to draw."""
    together = Bbox.union([ax.dataLim for ax in panels])
    for ax in panels:
        ax.update_datalim(together.get_points())
    xlim, ylim = panels[0].get_xlim(), panels[0].get_ylim()  # autoscaled as each panel would be alone
    yticks = [y for y in MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(*ylim) if ylim[0] <= y <= ylim[1]]
    n = len(panels)
    for i, ax in enumerate(panels):
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
        last_in_column, first_in_row = i + columns >= n, i % columns == 0
        ax.set_xticks(xticks if last_in_column else [], xlabels if last_in_column else [])
        ax.set_yticks(yticks if first_in_row else [])
        lines = [((x, ylim[0]), (x, ylim[1])) for x in xticks] + [((xlim[0], y), (xlim[1], y)) for y in yticks]
        ax.add_collection(LineCollection(lines, zorder=0.5, **GRID), autolim=False)


def receipts_chart(scenario: Scenario, receipts: np.ndarray, lang: str = "zh", *, seed: int | None = None) -> Figure:
    """Yearly receipts of origin and host per agreement — the median and 5–95% range when there are several
    replications, else the one replication's line. One agreement: one panel; several: a grid of small panels
    on one scale, each titled by the agreement's name — by its host's when all have one origin, which the
    legend names. One unit for the figure, in its axis labels.

    `receipts` is [replication, agreement, year, column] in fen, columns as in `analysis.projection` (central,
    origin, host, ...); `seed` (replication 1's) goes into the figure's note."""
    lang = language(lang)
    names = Names(scenario, lang)
    years = scenario.horizon.start_year + np.arange(receipts.shape[2])
    unit = presentation.unit_for(np.abs(receipts[..., 1:3]).max(initial=0))  # by the largest amount
    agreements = scenario.agreements
    n = len(agreements)
    rows, columns = grid_shape(n)
    single = n == 1
    if single:
        fig = new_figure((8, 4.4))
        panels = [fig.subplots()]
    else:
        # a fixed layout in inches (margins, gaps for two-line titles): cheap, unlike a constrained layout of
        # many panels, and the panels' size does not depend on their labels
        width, height = min(2.9, 15.0 / columns), min(2.3, 12.5 / rows)
        left, right, top, bottom, row_gap, column_gap = 0.85, 0.2, 1.05, 0.75, 0.55, 0.15
        fig = new_figure((left + right + columns * width, top + bottom + rows * height), layout=None)
        w_in, h_in = fig.get_size_inches()
        panel_w = (columns * width - (columns - 1) * column_gap) / columns
        panel_h = (rows * height - (rows - 1) * row_gap) / rows
        grid = fig.add_gridspec(
            rows,
            columns,
            left=left / w_in,
            right=1 - right / w_in,
            top=1 - top / h_in,
            bottom=bottom / h_in,
            wspace=column_gap / panel_w,
            hspace=row_gap / panel_h,
        )
        panels = [fig.add_subplot(grid[divmod(i, columns)]) for i in range(n)]
    replicated = len(receipts) > 1
    origins = {a.origin for a in agreements}
    handles = {}
    for i, a in enumerate(agreements):
        ax = panels[i]
        parties = ((1, "origin", a.origin, ORIGIN_COLOUR), (2, "host", a.host, HOST_COLOUR))
        for k, (column, role, party, colour) in enumerate(parties):
            values = in_unit(receipts[:, i, :, column], unit)
            if replicated:
                low, mid, high = np.percentile(values, [5, 50, 95], axis=0)
                ax.fill_between(years, low, high, color=colour, alpha=0.15, linewidth=0)
            else:
                mid = values[0]
            label = render(f"chart_{role}", lang, name=names.party(party)) if single else render(f"role_{role}", lang)
            (handles[role],) = ax.plot(  # the host dashed: equal receipts (50:50) still show both lines
                years,
                mid,
                color=colour,
                label=label,
                marker="o",
                markersize=3 if single else 2,
                linewidth=1.6 if role == "origin" else 1.2,
                linestyle=_line(k),
            )
        ax.yaxis.set_major_formatter(_Numbers(unit.decimals))
        if single:
            ax.grid(alpha=0.3)
            ax.set_title(render("chart_receipts_title", lang, agreement=names.agreement(a.id), unit=unit.label(lang)))
            ax.set_xlabel(render("chart_year", lang))
            ax.set_ylabel(with_unit(render("chart_axis_receipts", lang), unit, lang))
            _year_ticks(ax, years, 12)
            ax.legend(loc="upper left", fontsize=8)
        else:
            # one origin for all: the legend names it, each panel its host (not 15 times "origin → ")
            title = names.party(a.host) if len(origins) == 1 else names.agreement(a.id)
            ax.set_title(_wrap(title, panel_w * 72 / 8 * 0.9), fontsize=8, y=1.0)
            ax.tick_params(labelsize=7)
    if not single:
        shown = _shown_years(years, 4)
        _one_scale(panels, columns, shown, [str(int(y)) for y in shown])
        fig.suptitle(render("chart_receipts_grid", lang), fontsize=11, y=1 - 0.08 / h_in, va="top")
        fig.supxlabel(render("chart_year", lang), fontsize=9, y=0.2 / h_in, va="bottom")
        fig.supylabel(with_unit(render("chart_axis_receipts", lang), unit, lang), fontsize=9, x=0.1 / w_in)
        origin_label = (
            render("chart_origin", lang, name=names.party(next(iter(origins))))
            if len(origins) == 1
            else render("role_origin", lang)
        )
        fig.legend(
            [handles["origin"], handles["host"]],
            [origin_label, render("role_host", lang)],
            loc="upper center",
            bbox_to_anchor=(0.5, 1 - 0.36 / h_in),
            ncols=2,
            fontsize=8,
            frameon=False,
        )
    if replicated:
        note = [
            figure_note("median", lang, n=len(receipts)),
            render("chart_band", lang, low=5, high=95, n=len(receipts)),
        ]
    elif seed is not None:
        note = [figure_note("replication", lang, n=1, seed=seed)]
    else:
        note = [render("chart_one_run", lang)]
    _note(fig, note, lang)
    return _finish(fig)


# ---------------------------------------------------------------- designs compared


def comparison_charts(
    yearly, summary, names: dict[str, str], rate: float, lang: str = "zh", *, replications: int | None = None
) -> dict[str, Figure]:
    """Yearly receipts per design for each role (lines named at their ends), present values and net benefit
    (bars with their amounts), from `analysis.comparison`'s yearly and summary tables (fen). `names` maps each
    case label to the design's name; `replications` goes into the figures' note (amounts are means)."""
    lang = language(lang)
    unit = presentation.unit_for(summary["receipts"].to_numpy())
    unit_text = unit.label(lang)
    designs = list(dict.fromkeys(summary["scenario"]))
    # colour, marker and dashes of their own, so that designs alike from some year on still show each other
    style_of = {d: (PALETTE[k % len(PALETTE)], MARKERS[k % len(MARKERS)], _line(k)) for k, d in enumerate(designs)}
    note = [figure_note("mean", lang, n=replications)] if replications else []
    figures = {}

    fig = new_figure((9.5, 8))
    axes = fig.subplots(2, 1)
    for ax, role in zip(axes, ("origin", "host"), strict=True):
        rows = yearly[yearly["role"] == role].groupby(["scenario", "year"], sort=False)["receipts"].sum().reset_index()
        ends = []
        for label, group in rows.groupby("scenario", sort=False):
            colour, marker, dashes = style_of.get(label, (PALETTE[0], "o", "-"))
            x, y = group["year"].to_numpy(), in_unit(group["receipts"].to_numpy(dtype=float), unit)
            ax.plot(x, y, color=colour, marker=marker, markersize=3.5, linewidth=1.4, linestyle=dashes)
            known = np.isfinite(y)
            if known.any():
                last = np.flatnonzero(known)[-1]
                ends.append((_wrap(names[label], 20), float(x[last]), float(y[last]), colour))
        ax.set_title(render("chart_compare_yearly", lang, role=render(f"role_{role}", lang), unit=unit_text))
        ax.set_xlabel(render("chart_year", lang))
        ax.set_ylabel(with_unit(render("chart_axis_receipts", lang), unit, lang))
        ax.yaxis.set_major_formatter(_Numbers(unit.decimals))
        ax.grid(alpha=0.3)
        if len(rows):
            _year_ticks(ax, np.unique(rows["year"].to_numpy()), 12)
        ax.set_ylim(ax.get_ylim())  # fixed before the labels are placed against it
        ax.set_xlim(ax.get_xlim())
        _add_end_labels(ax, ends)
    _note(fig, note, lang)
    figures["comparison_yearly"] = _finish(fig)

    for key, column, title, axis in (
        (
            "comparison_npv",
            "npv",
            render("chart_compare_npv", lang, rate=presentation.percent_text(rate), unit=unit_text),
            "chart_axis_npv",
        ),
        ("comparison_net", "net_benefit", render("chart_compare_net", lang, unit=unit_text), "chart_axis_net"),
    ):
        by_role = summary.groupby(["scenario", "role"], sort=False)[column].sum().unstack("role")
        labels = [_wrap(names[s], 14) for s in by_role.index]
        fig = new_figure((9.5, max(3.6, 1.5 + 0.6 * len(labels))))
        ax = fig.subplots()
        y = np.arange(len(labels))
        roles = [r for r in ("origin", "host") if r in by_role]
        bar = 0.8 / max(1, len(roles))
        handles = []
        for k, role in enumerate(roles):
            colour = ORIGIN_COLOUR if role == "origin" else HOST_COLOUR
            fen = by_role[role].to_numpy(dtype=float)
            values = np.nan_to_num(in_unit(fen, unit))
            offset = (k - (len(roles) - 1) / 2) * bar
            bars = ax.barh(y + offset, values, height=bar * 0.9, color=colour, label=render(f"role_{role}", lang))
            handles.append(bars)
            for rect, value, text in zip(bars, values, amount_text(fen, unit), strict=True):
                label = ax.annotate(
                    text,
                    (value, rect.get_y() + rect.get_height() / 2),
                    xytext=(3 if value >= 0 else -3, 0),
                    textcoords="offset points",
                    ha="left" if value >= 0 else "right",
                    va="center",
                    fontsize=7,
                )
                label.set_gid(VALUE_LABEL)
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.6)
        ax.margins(x=0.18)
        ax.set_title(title)
        ax.set_xlabel(with_unit(render(axis, lang), unit, lang))
        ax.set_ylabel(render("col_scenario", lang))
        ax.xaxis.set_major_formatter(_Numbers(unit.decimals))
        ax.grid(alpha=0.3, axis="x")
        fig.legend(handles=handles, loc="outside lower center", ncols=len(roles), fontsize=8, frameon=False)
        _note(fig, note, lang)
        figures[key] = _finish(fig)
    return figures


# ---------------------------------------------------------------- where the tax goes


def waterfall_chart(parts: list[tuple[str, str, int]], lang: str = "zh", first: bool = False) -> Figure:
    """Total tax falling step by step to central, each upper level, origin and host, each bar with its amount
    in the figure's unit (inside the bar when it is tall enough, else above it). `parts` is [(id, label, fen)]
    starting with the total; the steps end at zero, as the parts add up to the total. Titled as replication 1's
    when the parts are (`first`) and the figures beside it are means."""
    lang = language(lang)
    fen = np.array([amount for _, _, amount in parts], dtype=float)
    unit = presentation.unit_for(fen)
    values = fen / unit.fen_per  # not rounded: the steps close at zero; the labels are rounded
    texts = amount_text(fen, unit)
    bars = []  # (bottom, height) of each bar
    level = 0.0
    for x, value in enumerate(values):
        bars.append((0.0, value) if x == 0 else (level, -value))
        level = value if x == 0 else level - value
    ends = [b for bottom, height in bars for b in (bottom, bottom + height)]
    low, high = min(0.0, *ends), max(0.0, *ends)
    span = (high - low) or 1.0
    fig = new_figure((8.5, 4.6))
    ax = fig.subplots()
    # set by hand: a step bar starting at the total would stop the autoscale margin there (sticky edges)
    ax.set_ylim(low - (0.06 * span if low < 0 else 0.0), high + 0.1 * span)
    last = len(parts) - 1
    for x, ((bottom, height), text) in enumerate(zip(bars, texts, strict=True)):
        colour = (
            NEUTRAL_COLOUR if x == 0 else ORIGIN_COLOUR if x == last - 1 else HOST_COLOUR if x == last else UPPER_COLOUR
        )
        ax.bar(x, height, bottom=bottom, width=0.6, color=colour)
        top = max(bottom, bottom + height)
        if abs(height) >= 0.1 * span:
            label = ax.text(x, bottom + height / 2, text, ha="center", va="center", fontsize=8, color="white")
        else:
            label = ax.annotate(
                text, (x, top), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=8
            )
        label.set_gid(VALUE_LABEL)
        if x < last:  # the level carried to the next bar
            carried = bottom + height
            ax.plot([x + 0.3, x + 0.7], [carried, carried], color="#777777", linewidth=0.7, linestyle=":")
    ax.set_xticks(range(len(parts)), [_wrap(label, 7) for _, label, _ in parts], fontsize=8)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(render("chart_waterfall_first" if first else "chart_waterfall", lang, unit=unit.label(lang)))
    ax.set_xlabel(render("chart_axis_part", lang))
    ax.set_ylabel(with_unit(render("chart_axis_amount", lang), unit, lang))
    ax.yaxis.set_major_formatter(_Numbers(unit.decimals))
    ax.grid(alpha=0.3, axis="y")
    return _finish(fig)


# ---------------------------------------------------------------- the assessment


def assessment_chart(
    scenario: Scenario,
    records: Iterable,
    revoked: Sequence[Mapping[int, int]],
    lang: str = "zh",
    *,
    seed: int | None = None,
) -> Figure:
    """The zones' yearly assessment points against the pass line (replication 1; failed years as red rings),
    and below, the probability each zone has been revoked by each year: the share of replications in which it
    was revoked that year or before. Points far above the pass line (a zone's first years, growing from almost
    nothing) are drawn on a scale that is linear near the pass line and logarithmic beyond, as the axis says.

    `records` are replication 1's `AssessmentRecord`s (`simulation.assessments`: agreement index, year,
    verdict.points, verdict.passed); `revoked` is every replication's {agreement index: year revoked}
    (`[o.revoked for o in projection.outcomes]`); `seed` is replication 1's, for the note."""
    lang = language(lang)
    rule = scenario.assessment
    if rule is None:
        raise ValueError("the scenario has no assessment")
    names = Names(scenario, lang)
    agreements = scenario.agreements
    points: dict[int, dict[int, tuple[float, bool]]] = {}
    for r in records:
        points.setdefault(int(r.agreement), {})[int(r.year)] = (float(r.verdict.points), bool(r.verdict.passed))
    zones = sorted(set(points) | {int(a) for run in revoked for a in run})
    zone_names = [names.party(agreements[z].host) for z in zones]
    years = scenario.horizon.start_year + np.arange(scenario.horizon.years)
    runs = max(1, len(revoked))
    share = np.array(
        [[sum(1 for run in revoked if z in run and run[z] <= y) / runs for y in years] for z in zones], dtype=float
    ).reshape(len(zones), len(years))
    score = float(rule.pass_score)

    rows = max(1, len(zones))
    fig = new_figure((10, ASSESSMENT_LAYOUT["figure"] + ASSESSMENT_LAYOUT["points"] + 0.24 * rows), layout="none")
    top, bottom, bar_axes = (fig.add_axes((0, 0, 1, 1)) for _ in range(3))  # placed by `_assessment_layout`
    palette = PALETTE if len(zones) <= len(PALETTE) else PALETTE_20
    colours = {z: palette[k % len(palette)] for k, z in enumerate(zones)}
    every = np.array([p for z in points for p, _ in points[z].values()], dtype=float)
    ends, dots = [], []  # dots: (year, points, passed, colour), all zones, drawn as two collections
    for z, name in zip(zones, zone_names, strict=True):
        if z not in points:
            continue
        xs = sorted(points[z])
        ys = [points[z][x][0] for x in xs]
        top.plot(xs, ys, color=colours[z], linewidth=0.9, alpha=0.7)
        dots += [(x, y, points[z][x][1], colours[z]) for x, y in zip(xs, ys, strict=True)]
        ends.append((name, float(xs[-1]), float(ys[-1]), colours[z]))
    for passed, style in ((True, {"s": 16, "zorder": 3}), (False, _RING)):
        chosen = [d for d in dots if d[2] == passed]
        xy = np.array([(x, y) for x, y, _, _ in chosen], dtype=float).reshape(-1, 2)
        colour = [c for *_, c in chosen] if passed else None
        top.scatter(xy[:, 0], xy[:, 1], c=colour, **style)
    top.axhline(score, color="black", linestyle="--", linewidth=1.0, zorder=2)
    linear = max(10.0, 2 * abs(score), float(np.percentile(np.abs(every), 75)) if len(every) else 0.0)
    axis_label = render("chart_axis_points", lang)
    if len(every) and np.abs(every).max() > max(1000.0, 20 * linear):  # a few start-up years far above
        linear = float(10 ** math.ceil(math.log10(linear)))
        top.set_yscale("symlog", linthresh=linear, linscale=1.0)
        axis_label = render("chart_axis_points_symlog", lang, linear=f"{linear:,.0f}")
    top.set_title(render("chart_assessment_title", lang), fontsize=12, pad=18, y=1.0)
    top.set_xlabel(render("chart_year", lang), fontsize=10)
    top.set_ylabel(axis_label, fontsize=10)
    top.yaxis.set_major_formatter(_Numbers(1))
    top.tick_params(labelsize=10)
    _year_ticks(top, years, 12)
    top.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    top.grid(alpha=0.3)
    top.set_ylim(top.get_ylim())
    pass_text = render("chart_pass_line", lang, score=f"{score:g}")
    top.annotate(
        pass_text, (0.005, score), xycoords=("axes fraction", "data"), xytext=(2, 3), textcoords="offset points",
        fontsize=7, va="bottom",
    )  # fmt: skip
    top.legend(
        handles=[
            Line2D([], [], marker="o", linestyle="", color=NEUTRAL_COLOUR, markersize=5),
            Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor=_RING["edgecolor"]),
            Line2D([], [], color="black", linestyle="--"),
        ],
        labels=[render("chart_passed", lang), render("chart_failed", lang), pass_text],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        borderaxespad=0.2,
        fontsize=7,
        ncols=3,
        frameon=False,
    )

    mesh = bottom.pcolormesh(
        np.append(years, years[-1] + 1) - 0.5,
        np.arange(len(zones) + 1) - 0.5,
        share,
        cmap="Reds",
        vmin=0.0,
        vmax=1.0,
        edgecolors="white",
        linewidth=0.5,
    )
    for (k, y), value in np.ndenumerate(share):
        if value > 0:
            bottom.text(
                years[y], k, f"{value * 100:.0f}%", ha="center", va="center", fontsize=6,
                color="white" if value > 0.6 else "black",
            )  # fmt: skip
    bottom.set_yticks(np.arange(len(zones)), zone_names, fontsize=7)
    bottom.set_ylim(len(zones) - 0.5, -0.5)
    bottom.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    bottom.tick_params(axis="x", labelsize=10)
    _year_ticks(bottom, years, 12)
    bottom.set_title(render("chart_revocation_title", lang, n=len(revoked)), fontsize=10, y=1.0)
    bottom.set_xlabel(render("chart_year", lang), fontsize=10)
    bottom.set_ylabel(render("chart_axis_zone", lang), fontsize=10)
    bar = fig.colorbar(mesh, cax=bar_axes, orientation="horizontal")
    bar.set_label(render("chart_revocation_axis", lang), fontsize=8)
    bar.ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))
    bar.ax.tick_params(labelsize=7)
    _note(fig, [render("chart_points_note", lang, n=len(revoked), seed="-" if seed is None else seed)], lang)
    _assessment_layout(fig, top, bottom, bar_axes, rows, [name for name, *_ in ends])
    _add_end_labels(top, ends, fontsize=7)
    return _finish(fig)


# Fixed layout of the assessment chart, inches: what lies above the points (title, legend), between the two
# panels (year ticks and label, the second title), below the probabilities (ticks, label, colour bar, its
# label, the note); the points panel's height; all for the font sizes set in `assessment_chart`.
ASSESSMENT_LAYOUT = {"above": 0.62, "between": 1.0, "below": 0.62, "bar": 0.14, "under_bar": 0.62, "points": 3.2}
ASSESSMENT_LAYOUT["figure"] = sum(ASSESSMENT_LAYOUT[k] for k in ("above", "between", "below", "bar", "under_bar"))
_RING = {"s": 34, "facecolor": "white", "edgecolor": "#c0392b", "linewidth": 1.4, "zorder": 4}


def _assessment_layout(fig: Figure, top: Axes, bottom: Axes, bar: Axes, rows: int, end_names: list[str]) -> None:
    """Place the three axes of the assessment chart in inches: left of them room for the widest tick label
    (points or zone name) and the axis label, right of the points room for the zones' names at the line ends.
    Measured text, computed once: a constrained layout would lay every text of the figure out several times."""
    width, height = fig.get_size_inches()
    axis_label = 10 * 1.5 / 72 + 4 / 72  # a 10 pt line and matplotlib's 4 pt label pad
    ticks = 7 / 72  # tick (3.5 pt) and its pad (3.5 pt)
    low, high = top.get_ylim()
    values = [v for v in top.yaxis.get_major_locator()() if low <= v <= high]
    numbers = top.yaxis.get_major_formatter().format_ticks(values)
    zones = [t.get_text() for t in bottom.get_yticklabels()]
    left = 0.12 + axis_label + ticks + max(_width_in(fig, numbers, 10), _width_in(fig, zones, 7))
    right = 0.12 + 6 / 72 + _width_in(fig, end_names, 7)
    span = width - left - right
    layout = ASSESSMENT_LAYOUT
    probability = height - layout["figure"] - layout["points"]
    y = layout["under_bar"]
    bar.set_position((left / width, y / height, span / width, layout["bar"] / height))
    y += layout["bar"] + layout["below"]
    bottom.set_position((left / width, y / height, span / width, probability / height))
    y += probability + layout["between"]
    top.set_position((left / width, y / height, span / width, layout["points"] / height))


def _width_in(fig: Figure, texts: Iterable[str], size: float) -> float:
    """The widest line of `texts` at `size` pt in the chart font, inches."""
    renderer = fig.canvas.get_renderer()
    font = FontProperties(family=families(), size=size)
    lines = [line for text in texts for line in text.split("\n") if line]
    return (
        max((renderer.get_text_width_height_descent(line, font, ismath=False)[0] for line in lines), default=0.0)
        / fig.dpi
    )
