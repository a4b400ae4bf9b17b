"""Every control path of the app through streamlit.testing's AppTest (no browser): the page, edits that
re-split or re-simulate, bad values and bad links shown as messages, the language switch, compare, explain."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from page_tables import html_tables, html_text, tables
from streamlit.testing.v1 import AppTest

from analysis.app_support import cell_label, decode_link, encode_link
from analysis.outputs.presentation import WAN, YI, Names
from analysis.projection import CENTRAL, HOST, ORIGIN, project
from sim.messages import render
from sim.scenario.loading import load_scenario
from sim.taxes import TAX_IDS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    return at


def open_tab(at: AppTest, tab: str) -> AppTest:
    """Open a tab (only the open tab's content runs; settling always does)."""
    at.session_state["tab"] = render(f"app_tab_{tab}")
    return at.run()


def _amount(shown: str) -> float:
    """A metric's amount ("22.88 亿元" → 22.88)."""
    return float(shown.split()[0].replace(",", ""))


def totals(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def test_the_default_page_simulates_once_then_resplits(app):
    assert app.title[0].value == "自贸试验区协同发展区税收分享测算"
    # simulated, or re-split when an earlier session has simulated it already (the cache is shared by sessions)
    assert ("已模拟" in app.info[0].value or "重新分配" in app.info[0].value) and len(totals(app)) == 3
    app.selectbox(key="nanning-negative").set_value("share").run()
    assert "重新分配" in app.info[0].value and app.session_state["timing"]["how"] == "resplit"


def test_the_waterfall_beside_means_says_it_is_replication_1s(app):
    """The metrics and the receipts table are means over the replications; the waterfall is one replication's
    split, so its title says so — unless there is only one replication, when they are the same figures."""
    import base64

    def waterfall_svg(at: AppTest) -> str:
        return base64.b64decode(at.get("image")[1].proto.imgs[0].url.split(",", 1)[1]).decode()

    assert app.session_state["replications"] > 1
    assert "税收去向（第 1 次模拟）" in waterfall_svg(app)
    app.number_input(key="replications").set_value(1).run()
    assert "税收去向：" in waterfall_svg(app) and "第 1 次模拟" not in waterfall_svg(app)


def test_a_cap_moves_money_to_the_host(app):
    before = totals(app)
    app.number_input(key="nanning-cap").set_value(10_000.0).run()  # 万元: 1 亿元
    after = totals(app)
    assert after[0] == "1.00 亿元" and after[1] != before[1] and after[2] == before[2]  # central unchanged


def test_a_behaviour_change_simulates_again(app):
    app.number_input(key="referral").set_value(1.0).run()
    assert "已模拟" in app.info[0].value and app.session_state["timing"]["how"] == "simulated"


def test_a_bad_value_shows_a_readable_message_not_a_trace(app):
    app.number_input(key="nanning-sunset").set_value(1000).run()
    assert not app.exception
    assert "sunset_year" in app.error[0].value and "1900" in app.error[0].value


def _phase(at: AppTest, k: int, field: str):
    """The input of `field` in row k of Nanning's ratio table."""
    return at.number_input(key=f"nanning-phase{at.session_state['nanning-rows'][k]}-{field}")


def _schedule(at: AppTest) -> list[tuple]:
    """The schedule in force in the page's figures: (from, to, origin's share as written) per phase."""
    ratio = at.session_state["computed"].projection.scenario.agreements[0].ratio
    return [(p.start, p.end, str(p.origin)) for p in ratio.schedule]


def test_ratio_table_edits_in_a_row_each_take_effect(app):
    # Nanning: 2025–2027 at 0.6, from 2028 at 0.5
    assert _schedule(app) == [(2025, 2027, "0.6"), (2028, None, "0.5")]
    origin = [_amount(app.metric[0].value)]
    for k, value in ((1, 0.3), (0, 0.4), (1, 0.45)):
        _phase(app, k, "origin").set_value(value).run()
        assert not app.exception
        origin.append(_amount(app.metric[0].value))
    assert _schedule(app) == [(2025, 2027, "0.4"), (2028, None, "0.45")]
    assert origin[1] < origin[0] and origin[2] < origin[1] and origin[3] > origin[2]  # each edit moved the money
    link = decode_link(parse_qs(urlsplit(app.text_input(key="share").value).query)["state"][0])[1]
    assert link["agreements"]["nanning"]["ratio"]["schedule"] == [
        {"from": 2025, "to": 2027, "origin": 0.4},
        {"from": 2028, "origin": 0.45},
    ]


def test_ratio_table_rows_are_added_and_removed(app):
    app.button(key="nanning-phase-add").click().run()
    assert len(app.session_state["nanning-rows"]) == 3
    assert _schedule(app) == [(2025, 2027, "0.6"), (2028, None, "0.5")]  # a blank row changes nothing
    _phase(app, 1, "to").set_value(2029).run()
    _phase(app, 2, "from").set_value(2030).run()
    _phase(app, 2, "origin").set_value(0.2).run()
    assert _schedule(app) == [(2025, 2027, "0.6"), (2028, 2029, "0.5"), (2030, None, "0.2")]
    app.button(key=f"nanning-phase{app.session_state['nanning-rows'][0]}-drop").click().run()
    assert not app.exception and len(app.session_state["nanning-rows"]) == 2
    assert "2025" in app.error[0].value  # the years before 2028 are now covered by no phase: said, not a trace
    _phase(app, 0, "from").set_value(2025).run()
    assert not app.error and _schedule(app) == [(2025, 2029, "0.5"), (2030, None, "0.2")]


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


def _frame(at: AppTest, *columns: str):
    """The one table on the page that has these columns."""
    found = [f for f in tables(at) if set(columns) <= set(f.columns)]
    assert len(found) == 1, [list(f.columns) for f in tables(at)]
    return found[0]


def _projection(name: str):
    """A projection computed apart from the app: its own full simulation at the app's 3 replications."""
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    return project(scenario, scenario.population.seed, 3)


def _shown(text: str) -> float:
    """A people's amount ("1,234.56") as a number."""
    return float(text.replace(",", ""))


def test_compare_shows_each_design_with_figures_of_its_own_simulation(app):
    open_tab(app, "compare").multiselect(key="compare").set_value(["current", "designs/d1_50_50"]).run()
    assert not app.exception
    summary = next(f for f in tables(app) if "现值（" in " ".join(f.columns) and "年度" not in f)
    receipts = next(c for c in summary.columns if c.startswith("分成合计（"))
    versus = next(c for c in summary.columns if c.startswith("分成较基准增减（"))
    unit = {"亿元": YI, "万元": WAN}[receipts.split("（")[1].rstrip("）")]
    # the app re-splits the cached Nanning simulation for the 50:50 design; simulating it afresh gives the same
    expected = {}
    for label, name in (("当前调整的方案", "guangxi/nanning"), (None, "designs/d1_50_50")):
        projection = _projection(name)
        names = Names(projection.scenario, "zh")
        design = label or names.scenario()
        for i, a in enumerate(projection.scenario.agreements):
            expected[(design, names.party(a.origin))] = projection.receipts[:, i, :, ORIGIN].sum(axis=1).mean()
            expected[(design, names.party(a.host))] = projection.receipts[:, i, :, HOST].sum(axis=1).mean()
    rows = summary[summary["参与方"] != "合计"]
    got = {(r["方案"], r["参与方"]): _shown(r[receipts]) for _, r in rows.iterrows()}
    assert got.keys() == expected.keys() and len(got) == 4  # names, not ids
    for key, value in expected.items():
        assert got[key] == pytest.approx(value / unit.fen_per, abs=0.006), key
    # the two designs differ, and the difference is reported against the design being tuned
    design = next(d for d, _ in got if d != "当前调整的方案")
    assert got[(design, "南宁片区")] != got[("当前调整的方案", "南宁片区")]
    for _, r in rows.iterrows():
        base = expected[("当前调整的方案", r["参与方"])]
        difference = (expected[(r["方案"], r["参与方"])] - base) / unit.fen_per
        assert _shown(r[versus]) == pytest.approx(difference, abs=0.006)
    app.multiselect(key="compare").set_value(
        ["current", *[f"designs/d{i}" for i in ("1_50_50", "2_6_4", "3_7_3", "4_phased")]]
    ).run()
    assert "最多比较四个方案" in app.warning[0].value


def test_explain_offers_the_real_cells_and_their_chain(app):
    projection = _projection("guangxi/nanning")
    allocation = projection.first.settlement.allocation
    names = Names(projection.scenario, "zh")
    rows = list(zip(*allocation.rows.nonzero(), strict=True))
    cells = [("nanning", int(allocation.years[y]), TAX_IDS[k]) for _, y, k in rows]
    picker = open_tab(app, "explain").selectbox(key="explain")
    assert picker.options == [cell_label(c, names, "zh") for c in cells] and len(cells) > 10
    assert picker.options[0].startswith("南宁片区 → 南宁协同发展区 · ")  # names, not ids
    _, y, k = rows[-1]
    picker.set_value(cells[-1]).run()
    assert not app.exception
    chain = _frame(app, "步骤", "金额（元）")
    amounts = dict(zip(chain["步骤"], chain["金额（元）"], strict=True))

    def yuan(name: str) -> str:
        return f"{int(getattr(allocation, name)[0, y, k]) / 100:,.2f}"

    shown = tuple(amounts[render(f"step_{name}")] for name in ("total", "origin", "host"))
    assert shown == (yuan("total"), yuan("origin"), yuan("host"))
    assert float(shown[1].replace(",", "")) > 0
    # the ratio is a share in words beside the amounts, not a number in the yuan column
    notes = dict(zip(chain["步骤"], chain["说明"], strict=True))
    ratio = render("step_ratio")
    assert amounts[ratio] == "" and notes[ratio] == f"{allocation.ratio[0, y, k] * 100:g}%"
    named = cell_label(cells[-1], names, "zh")  # the note names the figure explained, so a downloaded file does
    assert any(named in html_text(h.body) for h in app.html if "步骤" in h.body)


def test_switching_scenario(app):
    app.selectbox(key="scenario").set_value("guangxi/chongzuo").run()
    assert not app.exception
    # simulated, or re-split when an earlier session has simulated it already (the cache is shared by sessions)
    assert "用时" in app.info[0].value
    assert app.session_state["computed"].projection.scenario.agreements[0].id == "chongzuo"
    receipts = _projection("guangxi/chongzuo").receipts
    unit = {"亿元": YI, "万元": WAN}[totals(app)[0].split()[1]]
    shown = [
        f"{receipts[..., part].sum(axis=(1, 2)).mean() / unit.fen_per:,.2f} {unit.label('zh')}"
        for part in (ORIGIN, HOST, CENTRAL)
    ]
    assert totals(app) == shown


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


def test_names_in_small_tables_are_shown_as_written_not_as_markup(app):
    """A zone named like a link or like HTML is shown as the text it is: no link, no element."""
    zone = "name: 崇左协同发展区, name_en"
    named = '[点此](http://evil.example) **崇左<a href="http://evil.example">协同</a>发展区**'
    content = SCENARIO_YAML.decode().replace(zone, f"name: '{named}', name_en")
    assert content != SCENARIO_YAML.decode()
    app.file_uploader(key="scenario_upload").set_value(("mine.yaml", content.encode(), "application/x-yaml")).run()
    assert not app.exception
    bodies = [element.value for element in app.get("html") if "<table" in element.value]
    assert bodies and not any("<a " in body for body in bodies)
    cells = [cell for body in bodies for t in html_tables(body) for row in t["rows"] for cell in row]
    shown = [c for c in cells if "evil.example" in c]
    assert shown and all(named in c for c in shown)


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
    open_tab(app, "settle").file_uploader(key="ledger_upload").set_value((name, content, "text/csv")).run()
    assert not app.exception
    shown = [e.value for e in app.error] + [s.value for s in app.success]
    assert any(words in text for text in shown), shown


# ---------------------------------------------------------------- find a ratio


def _pv_gains_by_hand(scenario, outcomes, party: str, rate: float = 0.03) -> float:
    """The mean over replications of `party`'s 10-year PV net gain (yuan), year by year from the contract's
    `net_benefit` — apart from `analysis.tuning`."""
    from analysis.projection import holders, net_benefit

    row = holders(scenario).index(party)
    years = min(10, scenario.horizon.years)
    per = [sum(int(net_benefit(scenario, o)[row, y]) / 100 / (1 + rate) ** y for y in range(years)) for o in outcomes]
    return sum(per) / len(per)


def _flat(scenario, share: float):
    """The Nanning scenario with one share from 2025, no sunset, no cap: what a flat candidate means."""
    a = scenario.agreements[0]
    written = a.model_copy(
        update={
            "ratio": {"basis": "calendar_year", "schedule": [{"from": 2025, "origin": share}]},
            "sunset_year": None,
            "cap": {"origin_cumulative_yuan": None},
        }
    )
    return scenario.model_copy(update={"agreements": [written]})


def _candidates(at: AppTest):
    """The candidates table: one row per candidate, named first (the grid names them in its last column)."""
    found = [f for f in tables(at) if list(f.columns)[0] == "候选"]
    assert len(found) == 1, [list(f.columns) for f in tables(at)]
    return found[0]


def test_find_a_ratio_shows_the_candidates_with_the_gains_at_each(app):
    open_tab(app, "find")
    assert not app.exception, app.exception
    assert "双方都能接受的来源方分成比例" in app.success[0].value
    assert any("3 次模拟的期望值" in c.value for c in app.caption)
    picker = app.selectbox(key="find_candidate")
    assert "纳什谈判解" in " ".join(picker.options) and not any("现行比例" in o for o in picker.options)
    candidates = _candidates(app)
    assert {"纳什谈判解", "来源方盈亏平衡", "现行比例"} <= set(candidates["候选"])
    why = dict(zip(candidates["候选"], candidates["说明"], strict=True))  # a blank ratio says why; an average what
    assert why["沙普利值"] == render("tune_shapley_two_parties") and "无行为弹性" in why["合计收益最大"]
    assert why["现行比例"] == "现行各期比例在前 10 年内的平均（2025–2027 年 60%，2028 年起 50%）"
    gain = next(c for c in candidates.columns if c.startswith("南宁片区十年收益现值（"))
    unit = {"亿元": YI, "万元": WAN}[gain.split("（")[1].rstrip("）")]
    row = candidates[candidates["候选"] == "纳什谈判解"].iloc[0]
    share = float(row["来源方分成比例"])
    # settled by hand at that ratio: a simulation of its own with the ratio written in
    scenario = _flat(load_scenario(ROOT / "scenarios" / "guangxi" / "nanning.yaml"), share)
    outcomes = project(scenario, scenario.population.seed, 3).outcomes
    expected = _pv_gains_by_hand(scenario, outcomes, "nanning_ftz") * 100 / unit.fen_per
    assert _shown(row[gain]) == pytest.approx(expected, abs=0.006 + abs(expected) * 1e-6)
    assert _shown(row[gain]) > 0  # inside the feasible range the origin gains
    grid = _frame(app, "来源方分成比例", "来源方获益概率")
    money = [c for c in grid.columns if "收益" in c and "概率" not in c]
    assert len(grid) >= 21 and len(money) == 6 and all(f"（{unit.label('zh')}）" in c for c in money)


def test_applying_the_nash_candidate_changes_the_ratio_table_and_the_share_link(app):
    open_tab(app, "find")
    candidates = _candidates(app)
    share = float(candidates[candidates["候选"] == "纳什谈判解"].iloc[0]["来源方分成比例"])  # four decimals shown
    before = app.text_input(key="share").value
    app.selectbox(key="find_candidate").set_value("nash").run()
    app.button(key="find_apply").click().run()
    assert not app.exception, app.exception
    assert "已将「纳什谈判解」" in app.success[0].value and "南宁片区 → 南宁协同发展区" in app.success[0].value
    rows = app.session_state["nanning-rows"]  # the ratio table: one row of inputs per phase
    assert len(rows) == 1
    year_from, year_to, origin = (app.number_input(key=f"nanning-phase{rows[0]}-{f}") for f in ("from", "to", "origin"))
    assert year_from.value == 2025 and year_to.value is None
    applied = float(origin.value)
    assert applied == pytest.approx(share, abs=5e-5)
    link = app.text_input(key="share").value
    assert link != before
    state = parse_qs(urlsplit(link).query)["state"][0]
    terms = decode_link(state)[1]["agreements"]["nanning"]
    assert terms["ratio"]["schedule"] == [{"from": 2025, "origin": applied}] and terms["sunset_year"] is None
    # the figures follow: the results tab re-splits with the applied ratio in force
    open_tab(app, "results")
    assert app.session_state["computed"].projection.scenario.agreements[0].ratio.in_force(2030) == round(applied * 1e6)


def test_an_infeasible_agreement_says_who_blocks_and_by_how_much(app):
    # a guarantee to the host far above what the zone yields leaves the origin behind at every share
    app.number_input(key="nanning-floor").set_value(500_000.0).run()  # 万元: 50 亿元
    open_tab(app, "find")
    assert not app.exception, app.exception
    assert not app.success and "没有可行比例" in app.warning[0].value and "元" in app.warning[0].value
    assert "纳什谈判解" not in " ".join(app.selectbox(key="find_candidate").options)


def test_a_settlement_only_scenario_says_tuning_needs_a_simulation(app):
    app.selectbox(key="scenario").set_value("example/guangxi_example").run()
    open_tab(app, "find")
    assert not app.exception and "寻找比例需要可模拟的情景" in app.info[-1].value
