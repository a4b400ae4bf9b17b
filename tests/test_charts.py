"""Charts carry Chinese text without missing-glyph boxes, and the same data gives the same bytes."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from sim_builders import world

from analysis.outputs.charts import cjk_family, receipts_chart, save


def test_a_cjk_font_is_installed_by_the_setup():
    if cjk_family() is None and not os.environ.get("CI"):
        pytest.skip("no CJK font on this machine; .ci/run installs fonts-noto-cjk")
    assert cjk_family() is not None


def test_chinese_labels_render_without_missing_glyphs(tmp_path):
    if cjk_family() is None:
        pytest.skip("no CJK font")
    receipts = np.arange(2 * 1 * 4 * 3, dtype=np.int64).reshape(2, 1, 4, 3) * 10**9
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        paths = save(receipts_chart(world(), receipts), tmp_path / "receipts")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths)


def test_charts_are_byte_identical(tmp_path):
    receipts = np.ones((1, 1, 4, 3), np.int64) * 10**8
    first = save(receipts_chart(world(), receipts), tmp_path / "a")
    second = save(receipts_chart(world(), receipts), tmp_path / "b")
    for x, y in zip(first, second, strict=True):
        assert x.read_bytes() == y.read_bytes()


def test_english_switch():
    fig = receipts_chart(world(), np.ones((1, 1, 4, 3), np.int64), lang="en")
    assert "yearly receipts" in fig.axes[0].get_title()
