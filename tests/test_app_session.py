"""The app as a server of many sessions (streamlit.testing's AppTest, no browser): every tampered link
parameter gives a readable message and the default page, never a traceback; what two sessions compute and
upload never meets; a scenario without a population (the bundled example, or an upload) is settled."""

from __future__ import annotations

import base64
import tempfile
import zlib
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from page_tables import tables
from streamlit.testing.v1 import AppTest

from analysis import app_support as support
from analysis.cli import MAX_REPLICATIONS, MAX_SIMULATED_YEARS
from analysis.projection import simulation_key
from analysis.settlement import settle
from sim.records.ledger import read_ledger
from sim.scenario.loading import MAX_YAML_DEPTH, load_scenario

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
EXAMPLE = ROOT / "scenarios" / "example"


def run(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    return at


def token(raw: str | bytes) -> str:
    """A `state` parameter packing any text, as a tampered link would."""
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(zlib.compress(data)).decode().rstrip("=")


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def default_page(at: AppTest) -> None:
    """No traceback, and the default scenario's figures are on the page."""
    assert not at.exception, at.exception
    assert len(at.metric) == 3
    assert at.session_state["computed"].projection.scenario.agreements[0].id == "nanning"


NANNING = '{"s":"guangxi/nanning","o":{"agreements":{"nanning":%s}}}'
DEEP = "[" * 5000 + "]" * 5000
NESTED = '{"s":"guangxi/nanning","o":{"agreements":{"nanning":{"ratio":' + '{"a":' * 30 + "1" + "}" * 30 + "}}}}"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"r": "abc"}, "模拟次数 'abc' 应为 1 到 1000 之间的整数"),
        ({"r": "-5"}, "模拟次数 '-5'"),
        ({"r": "0"}, "模拟次数 '0'"),
        ({"r": "1e3"}, "模拟次数 '1e3'"),
        ({"r": "３"}, "模拟次数 '３'"),
        ({"r": "9" * 400}, "应为 1 到 1000 之间的整数"),
        ({"r": str(MAX_REPLICATIONS + 1)}, "模拟次数 '1001'"),
        ({"lang": "fr"}, "语言 'fr' 无法识别"),
        ({"tab": "admin"}, "页面 'admin' 不存在"),
        ({"state": "garbage"}, "分享链接无法识别"),
        ({"state": ""}, "分享链接无法识别"),
        ({"state": "a%b$c"}, "分享链接无法识别"),
        ({"state": "A" * (support.MAX_LINK_CHARS + 1)}, "分享链接过长"),
        ({"state": token(b"\0" * (support.MAX_LINK_BYTES + 1))}, "分享链接过长"),
        ({"state": token(DEEP)}, f"嵌套超过 {MAX_YAML_DEPTH} 层"),
        ({"state": token(NESTED)}, f"嵌套超过 {MAX_YAML_DEPTH} 层"),
        ({"state": token(NANNING % '{"cap":{"origin_cumulative_yuan":Infinity}}')}, "分享链接无法识别"),
        ({"state": token(NANNING % '{"cap":{"origin_cumulative_yuan":-Infinity}}')}, "分享链接无法识别"),
        ({"state": token(NANNING % '{"cap":{"origin_cumulative_yuan":NaN}}')}, "分享链接无法识别"),
        ({"state": token(NANNING % '{"cap":{"origin_cumulative_yuan":1e999}}')}, "分享链接无法识别"),
        ({"state": token(NANNING % ('{"sunset_year":' + "9" * 5000 + "}"))}, "分享链接无法识别"),
        ({"state": token(b"\xff\xfe not utf-8")}, "分享链接无法识别"),
        ({"state": token("[1, 2]")}, "分享链接无法识别"),
        ({"state": token('{"s": 5, "o": {}}')}, "分享链接无法识别"),
        ({"state": token('{"s":"guangxi/nanning","o":[]}')}, "分享链接无法识别"),
        ({"state": support.encode_link("nowhere/else", {})}, "情景 'nowhere/else' 不存在"),
        ({"state": support.encode_link("[x](http://evil)", {})}, "不存在"),
        ({"state": support.encode_link("guangxi/nanning", {"population": {"seed": 1}})}, "'population'"),
        (
            {"state": support.encode_link("guangxi/nanning", {"agreements": {"nanning": {"origin": "x"}}})},
            "nanning.origin",
        ),
        ({"state": support.encode_link("guangxi/nanning", {"behavior": {"seed": 1}})}, "behavior.seed"),
        ({"state": support.encode_link("guangxi/nanning", {"agreements": []})}, "'agreements'"),
        ({"state": support.encode_link("guangxi/nanning", {"agreements": {"x" * 100: {}}})}, "本页不会写入"),
        (
            {"state": support.encode_link("guangxi/nanning", {"agreements": {"beihai": {"sunset_year": 2030}}})},
            "beihai",
        ),
        (
            {"state": support.encode_link("guangxi/nanning", {"agreements": {"nanning": {"sunset_year": "soon"}}})},
            "sunset_year",
        ),
        (
            {
                "state": support.encode_link(
                    "guangxi/nanning",
                    {"agreements": {"nanning": {"ratio": {"schedule": [{"from": 2025, "origin": 1.5}]}}}},
                )
            },
            "应在 0 到 1 之间",
        ),
    ],
    ids=lambda value: None if isinstance(value, dict) else value[:30],
)
def test_a_tampered_link_says_what_is_wrong_and_shows_the_default_page(params, words):
    at = run(**params)
    default_page(at)
    assert any(words in text for text in errors(at)), errors(at)
    assert all("Traceback" not in text and "/work/" not in text for text in errors(at))


def test_every_bad_part_of_a_link_is_named_and_the_good_parts_apply():
    at = run(state="garbage", lang="en", r="lots")
    default_page(at)
    shown = " ".join(errors(at))
    assert "could not be read" in shown and "'lots'" in shown
    assert at.title[0].value == "FTZ collaborative zones: tax-sharing simulator"  # lang=en applied
    assert at.number_input(key="replications").value == support.DEFAULT_REPLICATIONS


def test_a_link_opens_its_tab():
    at = run(tab="compare")
    assert not at.exception and not errors(at)
    assert at.session_state["tab_id"] == "compare" and at.session_state["tab"] == "方案比较"
    assert at.multiselect(key="compare") and not at.metric  # only the open tab runs
    assert at.text_input(key="share").value.endswith("&tab=compare")
    at.radio(key="lang").set_value("English").run()
    assert at.session_state["tab"] == "compare designs"  # the same tab in the other language


def test_a_message_from_a_link_is_text_not_markdown():
    at = run(state=support.encode_link("[click](http://evil.example) *x* $y$", {}))
    message = next(text for text in errors(at) if "不存在" in text)
    assert "\\[click\\]" in message and "\\*x\\*" in message and "\\$y\\$" in message


def test_the_link_module_refuses_what_the_page_never_writes():
    for overrides in (
        {"population": {}},
        {"agreements": {"a": {"ratio": {}, "population": 1}}},
        {"behavior": {"x": 1}},
    ):
        with pytest.raises(support.InputError):
            support.decode_link(support.encode_link("guangxi/nanning", overrides))
    good = {"agreements": {"nanning": {"ratio": {"schedule": [{"from": 2025, "origin": 0.7}]}}}, "behavior": {}}
    assert support.decode_link(support.encode_link("guangxi/nanning", good)) == ("guangxi/nanning", good)


def test_the_replication_limits_are_the_command_lines():
    assert support.max_replications(10) == min(MAX_REPLICATIONS, MAX_SIMULATED_YEARS // 10)
    assert support.max_replications(100) == MAX_SIMULATED_YEARS // 100
    support.check_workload(100, 100)
    with pytest.raises(support.InputError, match="simulated years"):
        support.check_workload(101, 100)
    with pytest.raises(support.InputError, match="replications"):
        support.check_workload(MAX_REPLICATIONS + 1, 1)


# ---------------------------------------------------------------- sessions never meet

CHONGZUO = (ROOT / "scenarios" / "guangxi" / "chongzuo.yaml").read_text(encoding="utf-8")


def own_scenario(seed: int) -> bytes:
    """Chongzuo with another seed: a simulation no bundled scenario has."""
    assert "seed:" in CHONGZUO
    lines = [f"  seed: {seed}" if line.strip().startswith("seed:") else line for line in CHONGZUO.splitlines()]
    return ("\n".join(lines) + "\n").encode()


def upload_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("ftzshare-upload-*")}


def test_two_sessions_caches_and_uploads_never_meet():
    folders = upload_folders()
    a, b = run(), run()
    a.file_uploader(key="scenario_upload").set_value(("mine.yaml", own_scenario(4242), "application/x-yaml")).run()
    assert not a.exception and "已模拟" in a.info[0].value
    mine = a.session_state["computed"].projection.scenario
    key = (simulation_key(mine), 4242, support.DEFAULT_REPLICATIONS)
    own_a, own_b = a.session_state["projections"].own, b.session_state["projections"].own
    assert own_a is not own_b
    assert key in own_a and key not in own_b and key not in support.shared_cache()
    assert mine.population.seed == 4242
    # B's page knows nothing of A's upload: its own scenario, its own (empty) upload slot
    b.run()
    assert b.session_state["computed"].projection.scenario.population.seed != 4242
    assert "upload" not in b.session_state
    # B uploads the same file: it simulates it for itself, it does not find A's
    b.file_uploader(key="scenario_upload").set_value(("same.yaml", own_scenario(4242), "application/x-yaml")).run()
    assert "已模拟" in b.info[0].value and key in own_b
    assert own_a.get(key) is not own_b.get(key)
    # a behaviour edit is the session's own too
    a.file_uploader(key="scenario_upload").set_value(None).run()
    a.number_input(key="referral").set_value(0.5).run()
    edited = a.session_state["computed"].projection.scenario
    key = (simulation_key(edited), edited.population.seed, support.DEFAULT_REPLICATIONS)
    assert key in own_a and key not in own_b and key not in support.shared_cache()
    # the bundled scenarios as shipped are the only shared entries
    assert all(k[0] in support.public_keys() for k in support.shared_cache().keys())
    # every upload was read from memory through a temporary folder that is gone again
    assert upload_folders() == folders


def test_caches_are_bounded_and_hold_outcomes_not_whole_projections():
    cache = support.BoundedCache(2, 10_000)
    for i in range(5):
        cache.put(i, np.zeros(100, np.int64))
    assert cache.keys() == [3, 4] and cache.nbytes <= 10_000
    cache.put("big", np.zeros(10_000, np.int64))
    assert "big" not in cache  # bigger than the whole budget: handed back, not kept
    store = support.Projections(support.BoundedCache(4, 64 << 20))
    scenario = load_scenario(ROOT / "scenarios" / "guangxi" / "chongzuo.yaml")
    kept = store.get(scenario, 1).projection
    ledger = kept.first.settlement.ledger
    pairs = np.unique(np.stack([ledger.entity, ledger.agreement]), axis=1).shape[1]
    assert len(ledger) == pairs  # one row per entity and agreement (its start year), not the simulated ledger
    assert kept.first.simulation.events == []
    assert support.nbytes(kept) < 8 << 20


def test_a_simulation_two_sessions_ask_for_at_once_is_made_once():
    import threading

    cache, made = support.BoundedCache(4, 1 << 20), []
    barrier = threading.Barrier(4)

    def make():
        made.append(1)
        return np.zeros(10)

    def ask():
        barrier.wait()
        cache.get_or_make("k", make)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1


# ---------------------------------------------------------------- settling without a model


def expected_totals(scenario_path: Path) -> dict[str, int]:
    scenario = load_scenario(scenario_path)
    allocation = settle(scenario, read_ledger(EXAMPLE / "ledger.csv", scenario)).allocation
    return {role: int(getattr(allocation, role).sum()) for role in ("total", "central", "origin", "host")}


def test_the_bundled_example_settles_with_its_records():
    at = run()
    at.selectbox(key="scenario").set_value("example/guangxi_example").run()
    assert not at.exception and not errors(at)
    assert "只用于结算实际台账" in at.info[0].value
    message = at.success[0].value
    assert "已结算 26 行" in message and "ledger.csv" in message and "广西自贸试验区协同发展区分享示例" in message
    terms = next(d for d in tables(at) if "比例时段（来源方比例）" in d.columns)
    assert list(terms["协议"]) == [
        "南宁片区 → 南宁协同发展区",
        "钦州港片区 → 钦州协同发展区",
        "崇左片区 → 崇左协同发展区",
    ]
    assert terms["比例时段（来源方比例）"][0] == "2023 年 60%，2024 年起 50%"
    totals = {m.label: m.value for m in at.metric}
    fen = expected_totals(EXAMPLE / "guangxi_example.yaml")
    assert (
        totals["来源方（万元）"] == f"{fen['origin'] / 1e6:,.2f}"
        and totals["承接方（万元）"] == f"{fen['host'] / 1e6:,.2f}"
    )
    allocation = next(d for d in tables(at) if "来源方分成（万元）" in d.columns)
    assert allocation["协议"].iloc[-1] == "合计"
    assert allocation["来源方分成（万元）"].iloc[-1] == f"{fen['origin'] / 1e6:,.2f}"
    assert any("指标" in d.columns for d in tables(at))  # statistics.csv split too
    picker = at.selectbox(key="settle_explain")
    assert picker.options[0].startswith("南宁片区 → 南宁协同发展区 · 2022")
    picker.set_value(picker.options[-1]).run()
    chain = next(d for d in tables(at) if "步骤" in d.columns)
    assert "来源方分成" in list(chain["步骤"]) and not at.exception


def test_a_ratio_edit_changes_the_settlement():
    at = run()
    at.selectbox(key="scenario").set_value("example/guangxi_example").run()
    before = {m.label: m.value for m in at.metric}
    at.selectbox(key="chongzuo-negative").set_value("share").run()
    at.number_input(key="chongzuo-cap").set_value(0.0).run()  # no cap: the origin keeps its whole share
    after = {m.label: m.value for m in at.metric}
    assert not at.exception and after["来源方（万元）"] != before["来源方（万元）"]
    assert after["税收合计（万元）"] == before["税收合计（万元）"]
    terms = next(d for d in tables(at) if "比例时段（来源方比例）" in d.columns)
    assert terms["负增量处理"][2] == "负增量按比例分担" and terms["来源方累计封顶"][2] == "无"


def test_an_uploaded_scenario_without_a_model_settles_an_uploaded_ledger():
    at = run()
    scenario = (EXAMPLE / "guangxi_example.yaml").read_bytes()
    at.file_uploader(key="scenario_upload").set_value(("example.yaml", scenario, "application/x-yaml")).run()
    assert not at.exception and not errors(at), errors(at)
    assert "没有模拟所需的市场主体模型" in at.info[0].value  # says why it is not simulated — not a blank page
    at.file_uploader(key="ledger_upload").set_value(
        ("台账.csv", (EXAMPLE / "ledger.csv").read_bytes(), "text/csv")
    ).run()
    assert not at.exception and "已结算 26 行" in at.success[0].value and "台账.csv" in at.success[0].value
    totals = {m.label: m.value for m in at.metric}
    fen = expected_totals(EXAMPLE / "guangxi_example.yaml")
    assert totals["承接方（万元）"] == f"{fen['host'] / 1e6:,.2f}"
    assert not [box for box in at.text_input if box.key == "share"]  # an upload cannot be restored from a link
    assert any("无法通过链接分享" in i.value for i in at.info)


def test_the_share_box_holds_the_full_current_link():
    at = run()
    first = at.text_input(key="share").value
    assert first.startswith("http://") and "?state=" in first and first.endswith("&lang=zh&r=3")
    at.radio(key="lang").set_value("English").run()
    second = at.text_input(key="share").value
    assert second.endswith("&lang=en&r=3") and second.split("&")[0] == first.split("&")[0]
    at.number_input(key="nanning-sunset").set_value(2030).run()
    third = at.text_input(key="share").value
    assert third != second and dict(at.query_params)["state"][0] in third
    restored = run(**dict(parse_qsl(urlsplit(third).query)))
    assert restored.session_state["computed"].projection.scenario.agreements[0].sunset_year == 2030
    assert restored.title[0].value == "FTZ collaborative zones: tax-sharing simulator"
    assert [m.value for m in restored.metric] == [m.value for m in at.metric]


def test_full_url_from_the_request():
    assert support.full_url("http://h:1/app/", None, {"lang": "zh"}) == "http://h:1/app/?lang=zh"
    assert support.full_url(None, "h:2", {"r": "3"}, "https") == "https://h:2/?r=3"
    assert support.full_url(None, None, {"r": "3"}).endswith("/?r=3")


def test_streamlit_uploader_texts_in_chinese_with_the_real_limit():
    css = support.uploader_css("scenario_upload", "zh", 1 << 20, ["yaml", "yml"])
    assert "单个文件不超过 1 MB · YAML、YML" in css and "选择文件" in css and ".st-key-scenario_upload" in css
    assert "64 MB" in support.uploader_css("ledger_upload", "zh", support.MAX_LEDGER_UPLOAD, ["csv"])
    assert support.uploader_css("ledger_upload", "en", support.MAX_LEDGER_UPLOAD, ["csv"]) == ""
    at = run()
    assert at.sidebar.file_uploader[0].proto.max_upload_size_mb == 1  # the size line states the real limit


def test_comparing_designs_of_different_regions_draws_every_chart():
    at = run(tab="compare")
    at.multiselect(key="compare").set_value(["current", "sichuan/pilot_zones"]).run()
    assert not at.exception, at.exception  # parties one design lacks are gaps in its lines, not a crash
    summary = next(t for t in tables(at) if "分成合计（亿元）" in t.columns and "年度" not in t.columns)
    sichuan = load_scenario(ROOT / "scenarios" / "sichuan" / "pilot_zones.yaml")
    assert set(summary["方案"]) == {"当前调整的方案", sichuan.name}


def test_the_page_charts_are_well_formed_svg_with_units_and_names():
    from xml.etree import ElementTree

    from analysis.outputs.presentation import WAN, YI

    scenario = load_scenario(ROOT / "scenarios" / "chongqing" / "linked_zones.yaml")
    projection = support.Projections().get(scenario, 2).projection
    receipts = support.receipts_svg(projection, "zh", YI)
    texts = [e.text for e in ElementTree.fromstring(receipts).iter("{http://www.w3.org/2000/svg}text")]
    assert "当年分成（亿元）" in texts and "年度" in texts and "来源方" in texts
    assert sum(1 for t in texts if t and "→" in t) == len(scenario.agreements)  # one titled panel each
    parts = support.waterfall(projection, "en")
    ElementTree.fromstring(support.waterfall_svg(parts, "en", YI))
    example = load_scenario(EXAMPLE / "guangxi_example.yaml")
    allocation = settle(example, read_ledger(EXAMPLE / "ledger.csv", example)).allocation
    split = support.split_svg(allocation, example, "zh", WAN)
    assert "金额（万元）" in split and "南宁片区 → 南宁协同发展区" in split
    ElementTree.fromstring(split)
    assert support.nice_ticks(0, 3.7) == [0, 1, 2, 3, 4] and support.nice_ticks(float("nan"), 1)[0] == 0


def test_axis_ticks_are_written_with_the_decimals_they_need():
    ticks = support.nice_ticks(-2.1, 9.7)  # steps of 2.5
    assert ticks == [-2.5, 0, 2.5, 5, 7.5, 10]
    assert [support._number(x, support.tick_decimals(ticks, 2)) for x in ticks] == [
        "-2.5",
        "0.0",
        "2.5",
        "5.0",
        "7.5",
        "10.0",
    ]
    assert support.tick_decimals([0, 5, 10], 2) == 0 and support.tick_decimals([0, 0.25, 0.5], 2) == 2
    assert support.tick_decimals([0, 0.125], 2) == 2  # never more than the unit's decimals
