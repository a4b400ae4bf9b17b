"""Charts that read: Chinese text in the CJK font without missing-glyph boxes, names not ids, one unit stated
on every amount axis, many agreements as small panels of bounded size, many designs named at their line ends
without overlap, value labels on the waterfall, the assessment against its pass line; the same data gives the
same bytes; nothing goes through pyplot's process-wide state."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from sim_builders import world

from analysis.outputs import charts
from analysis.outputs.charts import (
    END_LABEL,
    VALUE_LABEL,
    assessment_chart,
    cjk_family,
    comparison_charts,
    figure_bytes,
    grid_shape,
    receipts_chart,
    save,
    spread,
    waterfall_chart,
)
from analysis.outputs.drawing import drawing, save_drawn
from analysis.outputs.presentation import Names
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CHONGQING = ROOT / "scenarios" / "chongqing" / "linked_zones.yaml"
needs_cjk = pytest.mark.skipif(cjk_family() is None, reason="no CJK font; .ci/run installs fonts-noto-cjk")


@pytest.fixture(scope="module")
def chongqing():
    return load_scenario(CHONGQING)


def _receipts(scenario, replications=1, scale=10**9):
    """[replication, agreement, year, column] fen, deterministic and different per agreement."""
    a, y = len(scenario.agreements), scenario.horizon.years
    base = np.arange(1, y + 1)[None, :] * (np.arange(1, a + 1)[:, None]) * scale
    out = np.zeros((replications, a, y, 5), np.int64)
    for r in range(replications):
        out[r, :, :, 0] = base * 2
        out[r, :, :, 1] = base + r * scale
        out[r, :, :, 2] = base * 3 // 2 - r * scale
    return out


def _texts(fig):
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


# ---------------------------------------------------------------- fonts


def test_a_cjk_font_is_installed_by_the_setup():
    if cjk_family() is None and not os.environ.get("CI"):
        pytest.skip("no CJK font on this machine; .ci/run installs fonts-noto-cjk")
    assert cjk_family() is not None


@needs_cjk
def test_chinese_labels_render_without_missing_glyphs(tmp_path):
    receipts = np.arange(2 * 1 * 4 * 3, dtype=np.int64).reshape(2, 1, 4, 3) * 10**9
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        paths = save(receipts_chart(world(), receipts), tmp_path / "receipts")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths)


@needs_cjk
def test_chinese_text_is_drawn_in_the_cjk_font_whatever_rcparams_say(tmp_path, chongqing):
    """The font is given to every text and tick label, not taken from rcParams: a figure made and saved while
    (say) another session's rc_context says DejaVu Sans still finds every Chinese glyph."""
    cjk = font_manager.findfont(font_manager.FontProperties(family=cjk_family()))
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = receipts_chart(chongqing, _receipts(chongqing))
        fig.canvas.draw()
        figure_bytes(fig, "svg")
    chinese = [t for t in _texts(fig) if any("\u4e00" <= c <= "\u9fff" for c in t.get_text())]
    assert len(chinese) >= 15
    for text in chinese:
        assert font_manager.findfont(text.get_fontproperties()) == cjk
    ticks = fig.axes[0].get_yticklabels() + fig.axes[-1].get_xticklabels()
    assert ticks and all(t.get_fontfamily()[0] == cjk_family() for t in ticks)


@needs_cjk
def test_the_one_cjk_font_has_every_glyph_the_charts_can_write():
    """Charts are drawn in the CJK font alone (no fallback list): every character of the message catalogue and
    of every bundled scenario's names must be in it, else a reader would see boxes."""
    from sim.messages import MESSAGES

    assert charts.families() == [cjk_family()]
    # a .ttc: ask matplotlib's own lookup for the face, as drawing does
    font = font_manager.get_font(
        font_manager.fontManager._find_fonts_by_props(font_manager.FontProperties(family=cjk_family()))
    )
    have = set(font.get_charmap())
    texts = [text for pair in MESSAGES.values() for text in pair]
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        texts.append(path.read_text(encoding="utf-8"))
    wanted = {c for text in texts for c in text if c.isprintable() and not c.isspace()}
    wanted |= set("0123456789,.-%→（）：，、")
    missing = sorted(c for c in wanted if ord(c) not in have)
    assert not missing, missing


def test_english_switch():
    fig = receipts_chart(world(), np.ones((1, 1, 4, 3), np.int64), lang="en")
    assert "yearly receipts" in fig.axes[0].get_title()
    assert fig.axes[0].get_xlabel() == "year" and "yuan" in fig.axes[0].get_ylabel()


# ---------------------------------------------------------------- same data, same bytes; no pyplot


def test_charts_are_byte_identical(tmp_path):
    receipts = np.ones((1, 1, 4, 3), np.int64) * 10**8
    first = save(receipts_chart(world(), receipts), tmp_path / "a")
    second = save(receipts_chart(world(), receipts), tmp_path / "b")
    for x, y in zip(first, second, strict=True):
        assert x.read_bytes() == y.read_bytes()


def test_grid_and_assessment_charts_are_byte_identical(chongqing):
    receipts = _receipts(chongqing, 3)
    records, revoked = _assessment(chongqing)
    for make, formats in (
        (lambda: receipts_chart(chongqing, receipts, seed=7), ("svg",)),
        (lambda: assessment_chart(chongqing, records, revoked, seed=7), ("png", "svg")),
    ):
        a, b = make(), make()
        for fmt in formats:
            assert figure_bytes(a, fmt) == figure_bytes(b, fmt)


def test_a_chart_drawn_in_a_drawing_process_has_the_bytes_of_one_drawn_here(tmp_path, chongqing):
    receipts = _receipts(chongqing, 2)
    with drawing() as draw:
        save_drawn(draw("receipts_chart", chongqing, receipts, seed=7), tmp_path / "there")
    here = save(receipts_chart(chongqing, receipts, seed=7), tmp_path / "here")
    for path in here:
        assert path.read_bytes() == (tmp_path / f"there{path.suffix}").read_bytes()


def test_a_chart_that_fails_in_a_drawing_process_raises_where_it_is_saved(tmp_path):
    with pytest.raises(AttributeError, match="no_such_chart"), drawing() as draw:
        save_drawn(draw("no_such_chart", world()), tmp_path / "bad")
    assert not list(tmp_path.iterdir())


def test_png_has_the_pixels_matplotlib_draws(chongqing):
    """The PNG written here decodes (Pillow) to exactly the pixels of matplotlib's own PNG of the figure, at
    the stated resolution."""
    import io

    from PIL import Image

    records, revoked = _assessment(chongqing)
    for fig in (receipts_chart(chongqing, _receipts(chongqing, 3)), assessment_chart(chongqing, records, revoked)):
        ours = Image.open(io.BytesIO(figure_bytes(fig, "png")))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=charts.DPI)
        theirs = Image.open(buffer)
        assert ours.size == theirs.size == tuple(int(v) for v in fig.get_size_inches() * charts.DPI)
        assert np.array_equal(np.asarray(ours.convert("RGBA")), np.asarray(theirs.convert("RGBA")))
        assert round(ours.info["dpi"][0]) == charts.DPI


def test_png_keeps_transparency_when_there_is_some():
    rgba = np.full((3, 4, 4), 255, np.uint8)
    rgba[1, 2] = (10, 20, 30, 0)
    rgba[2, 0] = (0, 0, 0, 128)
    import io

    from PIL import Image

    back = np.asarray(Image.open(io.BytesIO(charts.png_bytes(rgba, 150))).convert("RGBA"))
    assert np.array_equal(back, rgba)
    opaque = rgba.copy()
    opaque[..., 3] = 255
    image = Image.open(io.BytesIO(charts.png_bytes(opaque, 150)))
    assert image.mode == "RGB" and np.array_equal(np.asarray(image.convert("RGBA")), opaque)


def test_a_finished_figure_is_laid_out_once(chongqing):
    """No layout engine is left on a finished figure (not even matplotlib's placeholder, which makes savefig
    draw the whole figure once more before drawing it for the file): each save draws it once."""
    records, revoked = _assessment(chongqing)
    figures = [
        receipts_chart(world(), np.ones((1, 1, 4, 3), np.int64)),  # constrained, then frozen
        receipts_chart(chongqing, _receipts(chongqing)),
        assessment_chart(chongqing, records, revoked),
    ]
    for fig in figures:
        assert fig.get_layout_engine() is None
        draws = []
        original = fig.draw
        fig.draw = lambda renderer, original=original, draws=draws: (draws.append(1), original(renderer))
        for fmt in ("png", "svg"):
            figure_bytes(fig, fmt)
        assert len(draws) == 2


def test_saving_leaves_rcparams_as_they_were():
    before = dict(matplotlib.rcParams)
    fig = receipts_chart(world(), np.ones((1, 1, 4, 3), np.int64))
    for fmt in ("png", "svg", "pdf"):
        figure_bytes(fig, fmt)
    assert dict(matplotlib.rcParams) == before


def test_concurrent_saves_give_the_same_bytes():
    """Sessions saving at once (Streamlit runs each in a thread) get what one alone gets."""
    fig = waterfall_chart(
        [("total", "税收合计", 100_000_000), ("origin", "来源方", 60_000_000), ("host", "承接方", 40_000_000)]
    )
    alone = {fmt: figure_bytes(fig, fmt) for fmt in ("png", "svg")}
    figures = [
        waterfall_chart(
            [("total", "税收合计", 100_000_000), ("origin", "来源方", 60_000_000), ("host", "承接方", 40_000_000)]
        )
        for _ in range(4)
    ]
    got: dict[int, dict[str, bytes]] = {}

    def work(k):
        got[k] = {fmt: figure_bytes(figures[k], fmt) for fmt in ("svg", "png")}

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(got[k] == alone for k in range(4))


def test_drawing_never_touches_pyplot(chongqing):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    receipts_chart(chongqing, _receipts(chongqing)).canvas.draw()
    waterfall_chart([("total", "税收合计", 10**9), ("origin", "来源方", 6 * 10**8), ("host", "承接方", 4 * 10**8)])
    records, revoked = _assessment(chongqing)
    figure_bytes(assessment_chart(chongqing, records, revoked), "png")
    assert plt.get_fignums() == before == []


def test_importing_and_drawing_does_not_import_pyplot(tmp_path):
    code = (
        "import sys, numpy as np\n"
        "sys.path.insert(0, 'tests')\n"
        "from sim_builders import world\n"
        "from analysis.outputs import charts\n"
        "fig = charts.receipts_chart(world(), np.ones((2, 1, 4, 3), np.int64) * 10**8)\n"
        f"charts.save(fig, __import__('pathlib').Path({str(tmp_path / 'r')!r}))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- many agreements: small panels


def test_grid_shapes_are_wide_and_have_no_empty_column():
    assert grid_shape(1) == (1, 1)
    assert grid_shape(15) == (3, 5)
    for n in range(2, 40):
        rows, columns = grid_shape(n)
        assert rows * columns >= n and (columns - 1) * rows < n and columns <= 6 and columns >= rows - 1


def test_fifteen_agreements_are_small_panels_titled_by_name(chongqing):
    fig = receipts_chart(chongqing, _receipts(chongqing, 3))
    width, height = fig.get_size_inches() * charts.DPI
    assert height <= 2400 and width <= 2400  # was 1200 × 7200 px as 15 stacked panels
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 15
    names = Names(chongqing, "zh")
    # one origin for all 15: the legend names it once, each panel is titled by its host
    assert len({a.origin for a in chongqing.agreements}) == 1
    assert [ax.get_title() for ax in panels] == [names.party(a.host) for a in chongqing.agreements]
    assert all("lz" not in ax.get_title() for ax in panels)  # names, not ids
    # one unit for the whole figure, in its axis labels
    assert fig.get_supylabel() == "分成（万元）" or fig.get_supylabel() == "分成（亿元）"
    assert fig.get_supxlabel() == "年度"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["来源方 重庆自贸试验区", "承接方"]


def test_panels_of_several_origins_are_titled_by_agreement(chongqing):
    agreements = list(chongqing.agreements[:4])
    agreements[1] = agreements[1].model_copy(update={"origin": agreements[0].host})
    data = chongqing.model_copy(update={"agreements": agreements})
    fig = receipts_chart(data, _receipts(data))
    names = Names(data, "zh")
    assert [ax.get_title().replace("\n", "") for ax in fig.axes] == [names.agreement(a.id) for a in agreements]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["来源方", "承接方"]


def test_small_panels_share_one_scale_with_ticks_on_the_outer_panels(chongqing):
    """Same limits and grid everywhere (the data of every panel fits); years under the lowest panel of each
    column, amounts left of each row — computed here from the grid's shape, not from the chart's code."""
    receipts = _receipts(chongqing, 3)
    fig = receipts_chart(chongqing, receipts)
    fig.canvas.draw()
    panels = fig.axes
    columns = 5
    assert {ax.get_xlim() for ax in panels} == {panels[0].get_xlim()}
    assert {ax.get_ylim() for ax in panels} == {panels[0].get_ylim()}
    unit = 10**6 if fig.get_supylabel() == "分成（万元）" else 10**10
    low, high = panels[0].get_ylim()
    assert low <= receipts[..., 1:3].min() / unit and receipts[..., 1:3].max() / unit <= high
    years = chongqing.horizon.start_year + np.arange(chongqing.horizon.years)
    assert panels[0].get_xlim()[0] < years[0] and years[-1] < panels[0].get_xlim()[1]
    for i, ax in enumerate(panels):
        xlabels = [t.get_text() for t in ax.get_xticklabels() if t.get_visible()]
        ylabels = [t.get_text() for t in ax.get_yticklabels() if t.get_visible()]
        assert bool(xlabels) == (i >= len(panels) - columns), i
        assert bool(ylabels) == (i % columns == 0), i
        if xlabels:
            assert xlabels[0] == str(years[0]) and all(int(x) in years for x in xlabels)
        if ylabels:
            assert len(ylabels) >= 3 and all(any(c.isdigit() for c in y) for y in ylabels)
        grid = [c for c in ax.collections if isinstance(c, matplotlib.collections.LineCollection)]
        assert len(grid) == 1 and len(grid[0].get_segments()) == len(panels[0].get_yticks()) + len(
            panels[-1].get_xticks()
        )


def test_panels_that_do_not_fill_the_grid_show_their_years(chongqing):
    """7 agreements in a 2 × 4 grid: no empty slot, the panel above the gap shows the years."""
    data = chongqing.model_copy(update={"agreements": chongqing.agreements[:7]})
    fig = receipts_chart(data, _receipts(data))
    assert len(fig.axes) == 7
    fig.canvas.draw()
    shown = [[t.get_text() for t in ax.get_xticklabels()] for ax in fig.axes]
    assert [bool(labels) for labels in shown] == [False, False, False, True, True, True, True]


def test_the_receipts_unit_follows_the_amounts(chongqing):
    small = receipts_chart(chongqing, _receipts(chongqing, scale=10**6))
    large = receipts_chart(chongqing, _receipts(chongqing, scale=10**10))
    assert small.get_supylabel() == "分成（万元）" and large.get_supylabel() == "分成（亿元）"
    # the plotted values are in that unit: agreement 1, year 1 origin = 1 × 10^10 fen = 1.00 亿元
    first_line = large.axes[0].get_lines()[0]
    assert first_line.get_ydata()[0] == pytest.approx(1.0)


# ---------------------------------------------------------------- many designs: direct labels


def _designs(n, years=range(2025, 2031), close=True):
    """n designs whose lines end within a hair of each other (close) — their names would overlap."""
    rows = []
    for d in range(n):
        for role in ("origin", "host"):
            for k, year in enumerate(years):
                end = 3e10 + d * (1e7 if close else 4e9)
                rows.append((f"d{d:02d}", role, year, end * (k + 1) / len(years)))
    yearly = pd.DataFrame(rows, columns=["scenario", "role", "year", "receipts"])
    summary = (
        yearly.groupby(["scenario", "role"], sort=False)["receipts"]
        .sum()
        .reset_index()
        .assign(npv=lambda t: t["receipts"] * 0.9, net_benefit=lambda t: t["receipts"] * 0.5 - 1e10 * (t.index % 3))
    )
    names = {f"d{d:02d}": f"南宁 · 方案{d + 1}：比例 {50 + d}:{50 - d}" for d in range(n)}
    return yearly, summary, names


def test_design_names_sit_at_line_ends_and_never_overlap():
    yearly, summary, names = _designs(8)
    fig = comparison_charts(yearly, summary, names, 0.03)["comparison_yearly"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        labels = [t for t in ax.texts if t.get_gid() == END_LABEL]
        assert sorted(t.get_text() for t in labels) == sorted(names.values())  # names, no legend to hunt in
        assert ax.get_legend() is None
        boxes = [t.get_window_extent(renderer) for t in labels]
        for a, b in itertools.combinations(boxes, 2):
            assert not a.overlaps(b)
        right = ax.get_window_extent(renderer).x1
        assert all(box.x0 > right and box.x1 <= fig.bbox.x1 for box in boxes)  # right of the plot, in the figure


def test_labels_that_do_not_collide_stay_at_their_line_ends():
    yearly, summary, names = _designs(3, close=False)
    fig = comparison_charts(yearly, summary, names, 0.03)["comparison_yearly"]
    fig.canvas.draw()
    ax = fig.axes[0]
    ends = {line.get_ydata()[-1] for line in ax.get_lines() if len(line.get_xdata()) > 2}
    for label in (t for t in ax.texts if t.get_gid() == END_LABEL):
        _, y = ax.transData.inverted().transform(ax.transAxes.transform((1.0, label.get_position()[1])))
        assert min(abs(y - e) for e in ends) < 1e-6 * max(ends)


def test_the_page_and_the_exported_chart_dash_each_design_alike():
    """The same design's line has the same dash pattern (relative to its width) on the page as in the PNG an
    official downloads, so that a design keeps its look from one to the other."""
    import re

    from analysis.app_support import compare_svg
    from analysis.outputs.presentation import WAN

    yearly, summary, names = _designs(4, close=False)
    fig = comparison_charts(yearly, summary, names, 0.03)["comparison_yearly"]
    exported = []
    for line in fig.axes[0].get_lines():
        if len(line.get_xdata()) > 2:
            _, pattern = line._dash_pattern  # scaled by the line's width, as drawn
            exported.append(tuple(round(v / line.get_linewidth(), 3) for v in pattern or ()))
    page = []
    for polyline in re.findall(r"<polyline [^>]*>", compare_svg(yearly, names, "zh", WAN))[:4]:
        width = float(re.search(r'stroke-width="([\d.]+)"', polyline)[1])
        dashes = re.search(r'stroke-dasharray="([^"]+)"', polyline)
        page.append(tuple(round(float(v) / width, 3) for v in dashes[1].split()) if dashes else ())
    assert exported == page
    assert len(set(page)) == 4  # four designs, four patterns


def test_spread_keeps_order_gaps_and_bounds():
    heights = [0.1] * 5
    placed = spread([0.5] * 5, heights)
    assert placed == sorted(placed)  # ties keep their order
    assert all(b - a >= 0.1 - 1e-12 for a, b in itertools.pairwise(placed))
    assert np.mean(placed) == pytest.approx(0.5)
    assert spread([0.1, 0.9], [0.1, 0.1]) == [0.1, 0.9]  # nothing to move
    low = spread([0.0, 0.0, 0.01], [0.1, 0.1, 0.1])
    assert min(low) >= 0.05 - 1e-12  # kept inside where they fit


def test_comparison_bars_carry_amounts_and_every_axis_is_labelled():
    yearly, summary, names = _designs(4, close=False)
    figures = comparison_charts(yearly, summary, names, 0.03)
    unit = "亿元"
    for key, fig in figures.items():
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel(), key
        if key == "comparison_yearly":
            assert all(ax.get_ylabel() == f"分成（{unit}）" for ax in fig.axes)
            continue
        ax = fig.axes[0]
        assert unit in ax.get_xlabel() and ax.get_ylabel() == "方案"
        assert [t.get_text() for t in ax.get_yticklabels()] == list(names.values())
        values = [t.get_text() for t in ax.texts if t.get_gid() == VALUE_LABEL]
        column = "npv" if key == "comparison_npv" else "net_benefit"
        expected = [f"{v / 1e10:,.2f}" for role in ("origin", "host") for v in summary[summary.role == role][column]]
        assert values == expected


# ---------------------------------------------------------------- the waterfall


def test_waterfall_bars_carry_their_amounts_in_the_stated_unit():
    parts = [
        ("total", "税收合计", 1_234_567_890_123),
        ("central", "中央级", 500_000_000_000),
        ("province", "自治区本级", 100_000_000_000),
        ("origin", "来源方", 317_283_945_061),
        ("host", "承接方", 317_283_945_062),
    ]
    fig = waterfall_chart(parts)
    ax = fig.axes[0]
    values = [t.get_text() for t in ax.texts if t.get_gid() == VALUE_LABEL]
    assert values == ["123.46", "50.00", "10.00", "31.73", "31.73"]  # 亿元: fen / 10^10, two decimals
    assert ax.get_ylabel() == "金额（亿元）" and ax.get_xlabel() == "去向"
    assert "亿元" in ax.get_title()
    # each label is on its own bar, the bars step down to zero
    bars = ax.patches
    assert len(bars) == 5 and bars[-1].get_y() + bars[-1].get_height() == pytest.approx(0.0, abs=1e-9)
    assert bars[0].get_height() == pytest.approx(123.4567890123, rel=1e-9)
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == [label for _, label, _ in parts]


def test_waterfall_in_wan_yuan():
    fig = waterfall_chart(
        [("total", "税收合计", 123_456_700), ("origin", "来源方", 61_728_350), ("host", "承接方", 61_728_350)], "en"
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts if t.get_gid() == VALUE_LABEL] == ["123.46", "61.73", "61.73"]
    assert ax.get_ylabel() == "amount (10k yuan)"


# ---------------------------------------------------------------- the assessment


def _assessment(scenario):
    """Three zones over the horizon: zone 0 passes, zone 1 fails twice from 2023, zone 2 has a huge first year."""
    records = []
    for z, points in ((0, [5, 8, 3, 2]), (1, [0, -40, -30, -50]), (2, [0, 20_000, 150, -20])):
        for k, p in enumerate(points):
            verdict = SimpleNamespace(points=float(p), passed=p >= scenario.assessment.pass_score)
            records.append(SimpleNamespace(agreement=z, year=2021 + k, verdict=verdict))
    revoked = [{1: 2024}, {1: 2025, 2: 2024}, {}, {1: 2024}]
    return records, revoked


def test_assessment_chart_points_against_the_pass_line_and_revocation_probability(chongqing):
    records, revoked = _assessment(chongqing)
    fig = assessment_chart(chongqing, records, revoked, seed=20261122)
    points, probability = fig.axes[0], fig.axes[1]
    names = Names(chongqing, "zh")
    # the pass line at the scenario's pass score, named
    lines = [line for line in points.get_lines() if line.get_linestyle() == "--"]
    assert lines and lines[0].get_ydata()[0] == chongqing.assessment.pass_score
    assert any(t.get_text() == "合格线 -15 分" for t in points.texts)
    # a huge first year makes the scale logarithmic beyond a linear band, as the axis says
    assert points.get_yscale() == "symlog" and "对数" in points.get_ylabel()
    # zones named, not ids, at their line ends
    zones = [names.party(chongqing.agreements[z].host) for z in (0, 1, 2)]
    assert sorted(t.get_text() for t in points.texts if t.get_gid() == END_LABEL) == sorted(zones)
    # failed years are rings: zone 1 fails 2022–2024 (-40, -30, -50), zone 2 fails 2024 (-20)
    rings = [c for c in points.collections if len(c.get_offsets()) and c.get_facecolor()[0][:3].tolist() == [1, 1, 1]]
    assert sum(len(c.get_offsets()) for c in rings) == 4
    # probability revoked by each year: zone 1 is revoked by 2024 in 2 of 4 runs, by 2025 in 3 of 4
    share = probability.collections[0].get_array().reshape(3, chongqing.horizon.years)
    assert share[0].tolist() == [0.0] * chongqing.horizon.years
    assert share[1, :3].tolist() == [0.0, 0.0, 0.0] and share[1, 3] == 0.5 and share[1, 4] == 0.75
    assert share[2, 3] == 0.25 and share[2, -1] == 0.25
    assert [t.get_text() for t in probability.get_yticklabels()] == zones
    assert {t.get_text() for t in probability.texts} >= {"50%", "75%", "25%"}
    assert "4 次模拟" in probability.get_title()
    for ax in (points, probability):
        assert ax.get_xlabel() == "年度" and ax.get_ylabel()
    assert any("20261122" in t.get_text() for t in fig.texts)


def test_assessment_chart_layout_keeps_every_text_in_the_figure_and_apart(chongqing):
    """The fixed layout leaves room for what it measured: zone names and points left of the panels, zones'
    names at the line ends right of them, nothing outside the figure, the panels and colour bar apart, the end
    labels not overlapping one another; the same for a real run's 15 zones."""
    from analysis.projection import project

    records, revoked = _assessment(chongqing)
    projection = project(chongqing, chongqing.population.seed, 1, 1, None)
    real = projection.first.simulation.assessments, [o.revoked for o in projection.outcomes]
    for fig in (assessment_chart(chongqing, records, revoked), assessment_chart(chongqing, *real)):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        frame = fig.bbox
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
        for text in texts:
            box = text.get_window_extent(renderer)
            assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, text.get_text()
            assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1, text.get_text()
        top, bottom, bar = fig.axes
        boxes = [ax.get_tightbbox(renderer) for ax in (top, bottom, bar)]
        for a, b in itertools.pairwise(boxes):
            assert a.y0 > b.y1, "panels overlap"
        ends = [t.get_window_extent(renderer) for t in top.texts if t.get_gid() == END_LABEL]
        assert len(ends) >= 3
        for a, b in itertools.combinations(ends, 2):
            assert not a.overlaps(b)
        assert all(box.x0 > top.bbox.x1 for box in ends)
        zone_labels = [t.get_window_extent(renderer) for t in bottom.get_yticklabels()]
        assert all(
            box.x1 < bottom.bbox.x0 and box.x0 > bottom.yaxis.label.get_window_extent(renderer).x1
            for box in zone_labels
        )
        assert top.get_xlabel() == bottom.get_xlabel() == "年度" and top.get_ylabel() and bottom.get_ylabel()
        assert bar.get_xlabel() == "撤销概率"


def test_assessment_chart_of_a_real_run_with_linear_points():
    """A scenario with an assessment and small points: a plain scale; the run's own records feed it."""
    from analysis.projection import project

    scenario = load_scenario(ROOT / "scenarios" / "guangxi" / "chongzuo.yaml")
    projection = project(scenario, scenario.population.seed, 2)
    records = projection.first.simulation.assessments
    fig = assessment_chart(scenario, records, [o.revoked for o in projection.outcomes], "en", seed=projection.seed)
    assert fig.axes[0].get_ylabel().startswith("assessment points")
    assert fig.axes[1].get_ylabel() == "zone"
    assert figure_bytes(fig, "png").startswith(b"\x89PNG")


def test_assessment_chart_needs_an_assessment():
    with pytest.raises(ValueError):
        assessment_chart(world(), [], [{}])
