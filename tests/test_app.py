"""Every control path of the app through streamlit.testing's AppTest (no browser): the page, edits that
re-split or re-simulate, bad values and bad links shown as messages, the language switch, compare, explain."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.app_support import encode_link

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    return at


def totals(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def test_the_default_page_simulates_once_then_resplits(app):
    assert app.title[0].value == "自贸试验区协同发展区税收分享测算"
    assert "已重新模拟" in app.info[0].value and len(totals(app)) == 3
    app.selectbox(key="nanning-negative").set_value("share").run()
    assert "重新分配" in app.info[0].value and app.session_state["timing"]["how"] == "resplit"


def test_a_cap_moves_money_to_the_host(app):
    before = totals(app)
    app.number_input(key="nanning-cap").set_value(100_000_000.0).run()
    after = totals(app)
    assert after[0] == "1.00 亿元" and after[1] != before[1] and after[2] == before[2]  # central unchanged


def test_a_behaviour_change_simulates_again(app):
    app.number_input(key="referral").set_value(1.0).run()
    assert "已重新模拟" in app.info[0].value and app.session_state["timing"]["how"] == "simulated"


def test_a_bad_value_shows_a_readable_message_not_a_trace(app):
    app.number_input(key="nanning-sunset").set_value(1000).run()
    assert not app.exception
    assert "sunset_year" in app.error[0].value and "1900" in app.error[0].value


def test_a_shared_link_restores_the_ratio():
    overrides = {
        "agreements": {"nanning": {"ratio": {"basis": "calendar_year", "schedule": [{"from": 2025, "origin": 0.7}]}}}
    }
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["state"] = encode_link("guangxi/nanning", overrides)
    at.run()
    assert not at.exception
    assert at.session_state["computed"].projection.scenario.agreements[0].ratio.in_force(2030) == 700_000


def test_a_broken_link_says_so_and_shows_the_default_page():
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["state"] = "garbage"
    at.run()
    assert not at.exception and "分享链接无法识别" in at.error[0].value
    assert len(at.metric) == 3


def test_a_link_with_a_bad_value_shows_the_message():
    bad = {"agreements": {"nanning": {"ratio": {"schedule": [{"from": 2025, "origin": 1.5}]}}}}
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["state"] = encode_link("guangxi/nanning", bad)
    at.run()
    assert not at.exception and "应在 0 到 1 之间" in at.error[0].value


def test_english_switch(app):
    app.radio(key="lang").set_value("English").run()
    assert app.title[0].value == "FTZ collaborative zones: tax-sharing simulator"
    assert "re-split" in app.info[0].value


def test_compare_and_explain(app):
    app.multiselect(key="compare").set_value(["当前调整的方案", "designs/d1_50_50"]).run()
    assert not app.exception and len(app.dataframe) >= 3
    app.multiselect(key="compare").set_value(
        ["当前调整的方案", *[f"designs/d{i}" for i in ("1_50_50", "2_6_4", "3_7_3", "4_phased")]]
    ).run()
    assert "最多比较四个方案" in app.warning[0].value
    cells = app.selectbox(key="explain").options
    assert cells and not app.exception


def test_switching_scenario(app):
    app.selectbox(key="scenario").set_value("guangxi/chongzuo").run()
    assert not app.exception and "已重新模拟" in app.info[0].value


SCENARIO_YAML = (Path(__file__).resolve().parents[1] / "scenarios/guangxi/chongzuo.yaml").read_bytes()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"name: [unclosed\n", "YAML 语法错误"),
        (SCENARIO_YAML.replace(b"negative_increment:", b"negative_incremnt:"), "是否应为 'negative_increment'"),
        (b"# padding\n" * 120_000, "文件过大"),
        (b"\xff\xfe\x00bad", "无法识别文件编码"),
    ],
    ids=["syntax", "unknown-key", "oversized", "encoding"],
)
def test_bad_scenario_uploads_show_a_message(app, content, words):
    app.file_uploader(key="scenario_upload").set_value(("mine.yaml", content, "application/x-yaml")).run()
    assert not app.exception
    assert words in app.error[0].value


def test_a_good_scenario_upload_is_simulated(app):
    app.file_uploader(key="scenario_upload").set_value(("mine.yaml", SCENARIO_YAML, "application/x-yaml")).run()
    # simulated, or re-split when the same simulation is already cached (the cache is shared by sessions)
    assert not app.exception and "用时" in app.info[0].value
    assert app.session_state["computed"].projection.scenario.agreements[0].id == "chongzuo"


LEDGER = "企业编号,来源片区,协同区,年度,税种,税额\nE1,nanning_ftz,nanning_cdz,2025,增值税,10000.00\n"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("台账.csv", LEDGER.encode("gbk"), "已结算 1 行"),
        ("bad.csv", LEDGER.replace("10000.00", "1.005").encode(), "超过两位小数"),
        ("bad.csv", LEDGER.replace("nanning_cdz", "beihai_cdz").encode(), "beihai_cdz"),
        ("bad.xlsx", b"not a workbook", "XLSX"),
        ("empty.csv", b"", "文件为空"),
    ],
    ids=["gbk-good", "three-decimals", "unknown-zone", "corrupt-xlsx", "empty"],
)
def test_ledger_uploads(app, name, content, words):
    app.file_uploader(key="ledger_upload").set_value((name, content, "text/csv")).run()
    assert not app.exception
    shown = [e.value for e in app.error] + [s.value for s in app.success]
    assert any(words in text for text in shown), shown
