"""The app's helpers: share links, uploads confined to a temporary folder, download payloads, cached projections."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import app_support as support
from analysis.outputs.charts import receipts_chart
from sim.errors import InputError
from sim.scenario.loading import load_scenario, scenario_data

ROOT = Path(__file__).resolve().parents[1]


def test_share_links_round_trip_and_garbage_is_refused():
    overrides = {"agreements": {"nanning": {"ratio": {"schedule": [{"from": 2025, "origin": 0.7}]}}}}
    token = support.encode_link("guangxi/nanning", overrides)
    assert token.isascii() and "=" not in token
    assert support.decode_link(token) == ("guangxi/nanning", overrides)
    for bad in ("", "not-a-token", support.encode_link("x", {})[:-3] + "zzz"):
        with pytest.raises(InputError):
            support.decode_link(bad)


def test_uploads_stay_in_a_temporary_folder_that_is_removed_and_are_size_limited():
    with support.uploaded("../../etc/passwd.yaml", b"name: x\n", 1000) as path:
        assert path.name == "upload.yaml" and "ftzshare-upload-" in str(path.parent) and path.is_file()
    assert not path.parent.exists()
    with pytest.raises(InputError, match="too large"):
        with support.uploaded("big.yaml", b"x" * 1001, 1000):
            pass


def test_edits_are_validated_whole():
    path = support.bundled()["guangxi/nanning"]
    data = scenario_data(path)
    good = support.edited(data, {"agreements": {"nanning": {"sunset_year": 2030}}}, "app")
    assert good.agreements[0].sunset_year == 2030
    with pytest.raises(InputError) as error:
        support.edited(
            data, {"agreements": {"nanning": {"ratio": {"schedule": [{"from": 2025, "origin": 1.5}]}}}}, "app"
        )
    assert error.value.where == "agreements[0].ratio.schedule[0].origin"


def test_a_ratio_edit_resplits_and_a_behaviour_edit_simulates():
    store = support.Projections()
    path = support.bundled()["guangxi/chongzuo"]
    data = scenario_data(path)
    first = store.get(support.edited(data, {}, "app"), 1)
    ratio = store.get(
        support.edited(
            data, {"agreements": {"chongzuo": {"ratio": {"schedule": [{"from": 2025, "origin": 0.9}]}}}}, "app"
        ),
        1,
    )
    keen = store.get(support.edited(data, {"behavior": {"origin_referral_elasticity": 1.0}}, "app"), 1)
    assert (first.how, ratio.how, keen.how) == ("simulated", "resplit", "simulated")
    assert ratio.projection.receipts[..., 1].sum() > first.projection.receipts[..., 1].sum()


def test_download_payloads(tmp_path):
    scenario = load_scenario(support.bundled()["guangxi/chongzuo"])
    projection = support.Projections().get(scenario, 1).projection
    table = support.receipts_table(projection)
    assert support.csv_bytes(table).startswith(b"\xef\xbb\xbf\xe5\xb9\xb4\xe5\xba\xa6")  # BOM, then 年度
    (tmp_path / "t.xlsx").write_bytes(support.xlsx_bytes("分成", table))
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == ["分成"]
    fig = receipts_chart(scenario, projection.receipts)
    assert support.figure_bytes(fig, "png").startswith(b"\x89PNG")
    assert b"<svg" in support.figure_bytes(fig, "svg")[:400]
    assert support.figure_bytes(fig, "pdf").startswith(b"%PDF")
    steps = {ident: fen for ident, _, fen in support.waterfall(projection)}
    assert steps["total"] == steps["central"] + steps["province"] + steps["origin"] + steps["host"]
    assert [label for _, label, _ in support.waterfall(projection)][:2] == ["税收合计", "中央级"]


def test_the_report_payload_is_a_pdf():
    from pathlib import Path

    from analysis.comparison import Case, Comparison

    scenario = load_scenario(support.bundled()["guangxi/chongzuo"])
    projection = support.Projections().get(scenario, 1).projection
    pdf = support.report_bytes(Comparison([Case("chongzuo", Path("chongzuo"), projection)], 0, 0.03))
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_small_tables_are_html_with_amounts_right_aligned_and_totals_bold():
    """What the page draws for a small view: every cell escaped text, the money columns marked as amounts, the
    合计 row as a total — read back by an HTML parser, not by the code that wrote it."""
    from page_tables import html_tables, html_text

    from analysis.outputs.presentation import YUAN, View

    view = View(
        pd.DataFrame({"名称": ["甲 <b>区</b>", "=1+1", "合计"], "金额（元）": [1234.5, -2.0, 1232.5]}),
        YUAN,
        ("金额（元）",),
        "3 次模拟的平均值 <i>",
        "各方分成 & 合计",
    )
    (table,) = html_tables(support.table_html(view))
    assert table["head"] == ["名称", "金额（元）"] and table["amount_columns"] == [1]
    assert table["rows"] == [["甲 <b>区</b>", "1,234.50"], ["=1+1", "-2.00"], ["合计", "1,232.50"]]
    assert table["totals"] == [2]
    assert "<b>" not in support.table_html(view)
    # the title above (when asked for) and the note beneath, in the same element, as text
    shown = html_text(support.table_html(view, titled=True))
    assert shown.startswith("各方分成 & 合计 ") and shown.endswith(" 3 次模拟的平均值 <i>")
    assert "各方分成" not in html_text(support.table_html(view))


def test_an_error_says_its_reason_first_and_a_files_place_after_it():
    ratio = InputError("bad.yaml", "agreements[0].ratio.schedule[0].origin", "share_range", value=1.5)
    assert support.error_text(ratio, "zh") == support.plain(  # shown as text: Markdown's brackets escaped
        "输入有误：比例 1.5 应在 0 到 1 之间（bad.yaml，位置 agreements[0].ratio.schedule[0].origin）"
    )
    assert support.error_text(InputError("bad.yaml", None, "share_range", value=1.5), "en").endswith("(bad.yaml)")
    # a link's own parameters are not named; a setting inside its state is
    for where in ("state", "r", "tab", "lang", None):
        assert (
            support.error_text(InputError("link", where, "bad_link"), "zh")
            == "链接有误：分享链接无法识别，已打开默认页面"
        )
    inside = support.error_text(InputError("link", "agreements.nanning.sunset_year", "share_range", value=2), "zh")
    assert inside == "链接有误：比例 2 应在 0 到 1 之间（链接中的设置 agreements.nanning.sunset_year）"


def test_explain_names_the_upper_levels_in_the_readers_language():
    from analysis.settlement import settle
    from sim.records.ledger import read_ledger

    example = ROOT / "scenarios" / "example"
    scenario = load_scenario(example / "guangxi_example.yaml")
    allocation = settle(scenario, read_ledger(example / "ledger.csv", scenario)).allocation
    upper = scenario.tax_rules.upper_levels[0]
    for lang, name in (("zh", upper.name), ("en", upper.name_en or upper.name)):
        view = support.explain_view(allocation, scenario, ("nanning", 2023, "vat"), lang, "")
        steps, notes = view.table.iloc[:, 0].tolist(), view.table.iloc[:, 2].tolist()
        assert name in steps and notes[steps.index(name)] == ""  # named once, in the reader's language
