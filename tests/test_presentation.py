"""The presentation layer: one unit per view chosen by magnitude and stated in every header, fixed decimals with
thousands separators, names not ids, totals rows that add up, what the figures are — in the comparison tables,
the people's files beside the machine ones, the run's receipts table and the Chinese report."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.comparison import (
    assessment_view,
    assumptions_view,
    compare,
    plain,
    statistics_view,
    summary_table,
    summary_view,
    yearly_table,
    yearly_view,
)
from analysis.outputs import presentation as p
from analysis.outputs.comparison_files import write_comparison
from sim.indicators import INDICATOR_NAMES, INDICATORS
from sim.messages import MESSAGES
from sim.scenario.loading import load_scenario
from sim.sharing.statistics import RULES
from sim.taxes import TAX_IDS

ROOT = Path(__file__).resolve().parents[1]
DESIGNS = [ROOT / "scenarios/designs/d1_50_50.yaml", ROOT / "scenarios/designs/d5_jingjinji_capped.yaml"]
YI = 10_000_000_000  # fen per 亿元
WAN = 1_000_000  # fen per 万元


# ---------------------------------------------------------------- units and numbers, worked by hand

ROUNDING = "；各行与合计分别四舍五入，各行相加可能与合计相差末位"


def rounded_apart_by_hand(rows: list[list[str]], columns: list[int], decimals: int) -> bool:
    """From the shown text: do a money column's rows since the last 合计 row (all shown) add up to its shown
    amount only to within their rounding — at least one last digit off, at most half a digit per figure?"""
    ulp, first = 10**-decimals, 0
    for i, row in enumerate(rows):
        if "合计" in row:
            for j in columns:
                group = [r[j] for r in rows[first:i]]
                if row[j] and group and all(group):
                    apart = abs(sum(float(v.replace(",", "")) for v in group) - float(row[j].replace(",", "")))
                    if ulp / 2 <= apart <= (len(group) + 1) * ulp / 2:
                        return True
            first = i + 1
    return False


def test_the_issues_example_reads_22_30_yi():
    fen = 223045554337.3333  # 2,230,455,543.37 yuan
    unit = p.unit_for([fen])
    assert unit == p.YI and unit.fen_per == YI and unit.decimals == 2
    assert p.amount_text(np.array([fen]), unit).tolist() == ["22.30"]
    assert p.header("origin", "zh", unit) == "来源方分成（亿元）"
    assert p.header("origin", "en", unit) == "origin's receipts (100m yuan)"
    assert p.header("origin", "zh") == "来源方分成"  # no unit asked for, none shown


def test_the_unit_switches_to_yi_at_ten_yi_whatever_the_sign():
    assert p.unit_for([10 * YI]) == p.YI
    assert p.unit_for([10 * YI - 1, 5]) == p.WAN
    assert p.unit_for([3, -10 * YI]) == p.YI
    assert p.unit_for([]) == p.WAN
    assert p.unit_for([np.nan, 1.0]) == p.WAN
    # every amount of the view counts, whichever column or table it is in
    assert p.unit_for(pd.DataFrame({"a": [1.0, None], "b": [2.0, 11 * YI]})) == p.YI
    assert p.unit_for([np.array([1, 2]), pd.Series([12 * YI])]) == p.YI
    assert (p.WAN.label("zh"), p.WAN.label("en"), p.YI.label("zh"), p.YI.label("en")) == (
        "万元",
        "10k yuan",
        "亿元",
        "100m yuan",
    )
    assert (p.YUAN.label("zh"), p.YUAN.fen_per) == ("元", 100)


def test_amount_text_has_separators_fixed_decimals_and_a_minus_sign():
    fen = np.array([123_456_789_012, -1_234_567, -1, 0, 1_000_000, np.nan])
    # 123,456,789,012 fen = 1,234,567,890.12 yuan = 123,456.789012 万元
    assert p.amount_text(fen, p.WAN).tolist() == ["123,456.79", "-1.23", "0.00", "0.00", "1.00", ""]
    assert p.amount_text(np.array([12_345]), p.YUAN).tolist() == ["123.45"]
    assert p.amount_text(np.array([-1_234_567_890_123]), p.YI).tolist() == ["-123.46"]
    values = p.in_unit(np.array([223045554337.3333, -1]), p.YI)
    assert values.dtype == float and values.tolist() == [22.3, 0.0] and not np.signbit(values[1])


def test_with_total_adds_a_row_that_sums_the_columns():
    table = pd.DataFrame({"party": ["a", "b", "c"], "fen": [101, 202, -3], "x": [1.5, 2.25, 3.0], "k": ["u", "v", "w"]})
    out = p.with_total(table, "party", ["fen", "x"], "zh")
    assert len(out) == 4 and out.iloc[:3].to_numpy().tolist() == table.to_numpy().tolist()
    last = out.iloc[-1]
    assert last["party"] == "合计" and last["fen"] == 101 + 202 - 3 and last["x"] == pytest.approx(6.75)
    assert pd.isna(last["k"]) and out["fen"].dtype == table["fen"].dtype  # exact: fen stay integers
    assert p.with_total(table, "party", ["fen"], "en").iloc[-1]["party"] == "Total"


def test_a_view_whose_rounded_rows_miss_their_total_says_why():
    # three thirds of 5.000001 万元: each shows 1.67, the total 5.00 — the rows add up to 5.01
    fen = pd.DataFrame({"year": ["2025", "2026", "2027"], "fen": [1_666_667, 1_666_667, 1_666_667]})
    table = p.with_total(fen, "year", ["fen"], "zh").assign(amount=lambda t: p.in_unit(t["fen"], p.WAN))
    view = p.View(table.drop(columns="fen"), p.WAN, ("amount",), "金额为第 1 次模拟")
    assert view.table["amount"].tolist() == [1.67, 1.67, 1.67, 5.0]
    assert view.note == "金额为第 1 次模拟；各行与合计分别四舍五入，各行相加可能与合计相差末位"
    assert view.csv_bytes().decode("utf-8-sig").splitlines()[-1].startswith(view.note + ",")  # the last line
    again = p.View(view.table, p.WAN, ("amount",), view.note)  # a view made from a view says it once
    assert again.note.count("四舍五入") == 1
    exact = replace(view, table=view.table.assign(amount=[1.0, 2.0, 3.0, 6.0]))  # …and only while it is so
    assert exact.note == "金额为第 1 次模拟"
    # rows that add up, a total that is not their sum (a range's bound), no total row: nothing said
    exact = table.drop(columns="fen").assign(amount=[1.0, 2.0, 3.0, 6.0])
    assert p.View(exact, p.WAN, ("amount",), "x").note == "x"
    bound = table.drop(columns="fen").assign(amount=[1.0, 2.0, 3.0, 4.5])
    assert p.View(bound, p.WAN, ("amount",), "x").note == "x"
    assert p.View(table.drop(columns="fen").iloc[:3], p.WAN, ("amount",), "x").note == "x"
    english = p.with_total(fen, "year", ["fen"], "en").assign(amount=lambda t: p.in_unit(t["fen"], p.WAN))
    assert p.View(english.drop(columns="fen"), p.WAN, ("amount",), "").note.startswith("rows and totals are rounded")


def test_every_id_has_a_name_in_both_languages():
    for lang in ("zh", "en"):
        for rule in RULES:
            assert p.rule_name(rule, lang) not in ("", rule)
        for policy in ("floor_zero", "carry_forward", "share"):
            assert p.policy_name(policy, lang) not in ("", policy)
        for base in ("zero", "base_year"):
            assert p.base_rule_name(base, lang) not in ("", base)
        for basis in ("calendar_year", "years_since_start"):
            assert p.basis_name(basis, lang) not in ("", basis)
        for tax in TAX_IDS:
            assert p.tax_name(tax, lang) not in ("", tax)
        for indicator in INDICATORS:
            assert p.indicator_name(indicator, lang) not in ("", indicator)
    assert p.tax_name("vat", "zh") == "增值税" and p.tax_name("cit", "en") == "corporate income tax"
    assert all(p.indicator_name(i, "zh") == INDICATOR_NAMES[i] for i in INDICATORS)
    assert all(MESSAGES[f"indicator_{i}"][0] == INDICATOR_NAMES[i] for i in INDICATORS)  # one wording
    assert p.rule_name("double_count", "zh") == "双方均计"


def test_names_of_a_scenario():
    s = load_scenario(ROOT / "scenarios/guangxi/nanning.yaml")
    zh, en = p.Names(s, "zh"), p.Names(s, "en")
    assert zh.party("nanning_ftz") == "南宁片区" and en.party("nanning_ftz") == "Nanning area"
    assert zh.party("province") == "自治区本级" and zh.party("central") == "中央级"
    assert zh.agreement("nanning") == "南宁片区 → 南宁协同发展区"
    assert en.agreement("nanning") == "Nanning area → Nanning collaborative zone"
    assert zh.scenario() == s.name and en.scenario() == s.name_en


def test_figure_notes_say_what_the_figures_are():
    assert p.figure_note("median", "zh", n=100) == "金额为 100 次模拟的中位数"
    assert p.figure_note("mean", "en", n=5) == "amounts are means over 5 replications"
    assert p.figure_note("replication", "zh", n=3, seed=42) == "金额为第 1 次模拟的结果（共 3 次，随机种子 42）"
    assert p.figure_note("settled", "zh") == "金额为根据实际台账结算的结果"
    with pytest.raises(ValueError):
        p.figure_note("guess", "zh")


# ---------------------------------------------------------------- a comparison of two bundled designs


@pytest.fixture(scope="module")
def comparison():
    return compare(DESIGNS, replications=2)


def _ids(c) -> set[str]:
    """Every id a person should never see in a cell: parties, agreements, upper levels, case labels (file
    stems), scenario files, rules, policies, base rules, bases, indicators, tax types, roles."""
    ids = {"None", "nan", "NaN", "origin", "host", "central", "split", "double_count", "zero", "base_year"}
    ids |= {"floor_zero", "carry_forward", "share", "calendar_year", "years_since_start", "yuan", "count"}
    ids |= set(INDICATORS) | set(TAX_IDS) | set(RULES)
    for case in c.cases:
        s = case.scenario
        ids |= {case.label, f"designs/{case.label}", str(case.path)}
        ids |= {x.id for x in s.parties} | {a.id for a in s.agreements} | set(s.upper_level_ids)
    return ids


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_id_where_a_name_belongs(comparison, lang):
    ids = _ids(comparison)
    if lang == "en":
        ids -= {"origin", "host"}  # the English names of the two roles are these words
    for make in (summary_view, yearly_view, statistics_view, assessment_view, assumptions_view):
        view = make(comparison, lang)
        assert len(view.table), make.__name__
        cells = view.text().to_numpy().ravel().tolist() + list(view.table.columns)
        assert not ids & {str(c).strip() for c in cells}, (make.__name__, ids & set(map(str, cells)))
    summary = summary_view(comparison, lang).table
    design = p.header("scenario", lang)
    assert set(summary[design]) == {"南宁 · 50:50", "南宁 · 京津冀式：三年五五分、封顶"} if lang == "zh" else True
    assert "南宁片区" in set(summary[p.header("party", lang)]) or lang == "en"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_money_headers_state_the_one_unit_of_the_view(comparison, lang):
    for make in (summary_view, yearly_view):
        view = make(comparison, lang)
        assert view.unit in (p.WAN, p.YI) and view.money
        label = view.unit.label(lang)
        suffix = f"（{label}）" if lang == "zh" else f" ({label})"
        assert all(h.endswith(suffix) for h in view.money)
        assert not any(h.endswith(suffix) for h in view.table.columns if h not in view.money)
        for column in view.money:
            text = [t for t in view.text()[column] if t]
            assert text and all(re.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d{2}", t) for t in text), column
    # 10-year receipts of the Nanning designs are tens of 亿元: the summary is in 亿元
    assert summary_view(comparison, lang).unit == p.YI
    assert p.header("receipts", lang, p.YI) in summary_view(comparison, lang).money


def test_the_summary_totals_add_up(comparison):
    raw = summary_table(comparison)  # fen, by id
    view = summary_view(comparison, "zh")
    table = view.table
    design, party = p.header("scenario", "zh"), p.header("party", "zh")
    receipts, npv = p.header("receipts", "zh", view.unit), p.header("npv", "zh", view.unit)
    totals = table[table[party] == "合计"]
    assert len(totals) == len(comparison.cases)
    names = dict(zip([c.label for c in comparison.cases], totals[design], strict=True))
    for label, name in names.items():
        rows = raw[raw["scenario"] == label]
        total = totals[totals[design] == name].iloc[0]
        expected = sum(float(v) for v in rows["receipts"]) / YI
        assert total[receipts] == pytest.approx(round(expected, 2), abs=1e-9)
        assert total[npv] == pytest.approx(round(sum(float(v) for v in rows["npv"]) / YI, 2), abs=1e-9)
        # and the shown parts add up to the shown total within rounding of each part
        parts = table[(table[design] == name) & (table[party] != "合计")]
        assert abs(parts[receipts].sum() - total[receipts]) <= 0.01 * len(parts)


def test_the_yearly_totals_add_up(comparison):
    raw = yearly_table(comparison)
    view = yearly_view(comparison, "en")
    table, unit = view.table, view.unit
    year, receipts = p.header("year", "en"), p.header("yearly_receipts", "en", unit)
    totals = table[table[year] == "Total"]
    assert len(totals) == raw.groupby(["scenario", "party"]).ngroups
    for (_, _), group in raw.groupby(["scenario", "party"], sort=False):
        assert round(group["receipts"].sum() / unit.fen_per, 2) in set(totals[receipts].round(2))


def test_the_machine_table_keeps_ids_and_yuan(comparison):
    table = plain(summary_table(comparison))
    assert list(table.columns[:4]) == ["scenario", "party", "party_name", "role"]
    assert set(table["scenario"]) == {"d1_50_50", "d5_jingjinji_capped"} and set(table["role"]) == {"origin", "host"}
    raw = summary_table(comparison)
    for text, fen in zip(table["receipts"], raw["receipts"], strict=True):
        assert re.fullmatch(r"-?\d+\.\d{2}", text) and text == f"{int(round(fen)) / 100:.2f}"


def test_assumptions_say_the_terms_in_words(comparison):
    view = assumptions_view(comparison, "zh")
    terms = view.table[p.header("terms", "zh")].tolist()
    assert terms[0] == "来源方比例（按年度）：2025 年起 50%；零基数（全部为增量）；负增量结转以后年度弥补"
    assert "投产第 1–3 年 50%" in terms[1] and "来源方累计封顶 30,000.00 万元" in terms[1]
    assert "2032 年后停止分享" in terms[1]


def test_compare_writes_people_files_beside_machine_files(comparison, tmp_path):
    written = write_comparison(comparison, tmp_path / "out", "zh")
    for name in ("comparison.csv", "comparison_summary.csv", "comparison_summary_zh.csv", "comparison_yearly_zh.csv"):
        assert name in written, name
    people = written["comparison_summary_zh.csv"].read_bytes()
    assert people.startswith(b"\xef\xbb\xbf")  # Excel on a Chinese Windows reads the BOM as UTF-8
    rows = list(csv.reader(io.StringIO(people.decode("utf-8-sig"))))
    assert rows[0][:4] == ["方案", "参与方", "角色", "分成合计（亿元）"]
    said = "金额为 2 次模拟的平均值；5%、95% 分位为各次模拟的分位数；现值按年贴现率 3% 折算"
    money = [rows[0].index(h) for h in summary_view(comparison, "zh").money]
    assert rows[-1][0] == said + ROUNDING * rounded_apart_by_hand(rows[1:-1], money, 2)
    assert [r[1] for r in rows[1:-1]].count("合计") == 2
    machine = list(csv.reader(io.StringIO(written["comparison_summary.csv"].read_text(encoding="utf-8"))))
    assert machine[0][:5] == ["scenario", "party", "party_name", "role", "receipts"]
    assert all(re.fullmatch(r"-?\d+\.\d{2}", row[4]) for row in machine[1:])


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


# English words that must not appear in the Chinese report: what the report used to say, the ids of the
# scenario's rules and policies, and the words of our own English texts.
ENGLISH = {
    "simulated",
    "simulation",
    "seed",
    "replication",
    "replications",
    "resplit",
    "re",
    "split",
    "sha256",
    "calendar_year",
    "years_since_start",
    "floor_zero",
    "carry_forward",
    "share",
    "base",
    "base_year",
    "zero",
    "negative",
    "cap",
    "floor",
    "sunset",
    "origin",
    "host",
    "central",
    "yuan",
    "receipts",
    "design",
    "designs",
    "scenario",
    "party",
    "agreement",
    "mean",
    "means",
    "median",
    "total",
    "none",
    "nan",
    "amounts",
    "year",
    "wan",
    "yi",
    "double_count",
    "illustrative",
}


def test_the_chinese_report_speaks_chinese_and_states_its_unit(comparison, tmp_path):
    written = write_comparison(comparison, tmp_path / "out", "zh")
    text = _pdf_text(written["report.pdf"])
    words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z_0-9-]*", text)}
    forbidden = ENGLISH | {i.lower() for i in _ids(comparison)}
    assert not words & forbidden, sorted(words & forbidden)
    assert "分成汇总（亿元）" in text and "分成合计" in text and "亿元" in text
    assert "金额为 2 次模拟的平均值" in text  # what the figures are
    assert "南宁片区 → 南宁协同发展区" in text and "合计" in text
    assert "随机种子" in text and "负增量结转以后年度弥补" in text
    english = _pdf_text(write_comparison(comparison, tmp_path / "en", "en")["report.pdf"])
    assert "amounts are means over 2 replications" in english and "100m yuan" in english


# ---------------------------------------------------------------- the run's receipts table


def test_the_run_receipts_view_has_a_unit_names_and_totals(comparison):
    from analysis.outputs.run_files import receipts_view

    projection = comparison.cases[0].projection
    view = receipts_view(projection, "zh")
    table = view.table
    assert list(table.columns) == ["协议", "年度", f"中央级（{view.unit.label('zh')}）", *view.money[1:]]
    assert view.money[1] == f"来源方分成（{view.unit.label('zh')}）"
    total = table[table["年度"] == "合计"].iloc[0]
    origin = projection.receipts[:, 0, :, 1].sum(axis=1).mean()  # ORIGIN, summed over years, mean over R
    assert total[view.money[1]] == pytest.approx(round(origin / view.unit.fen_per, 2), abs=1e-9)
    assert set(table["协议"]) == {"南宁片区 → 南宁协同发展区"}
    rows = view.text().to_numpy().tolist()
    apart = rounded_apart_by_hand(rows, [list(table.columns).index(h) for h in view.money], 2)
    assert view.note == "金额为 2 次模拟的平均值；另有自治区本级的分成未列于本表" + ROUNDING * apart  # no upper levels


def test_terms_in_words_name_a_one_year_phase_once_and_amounts_with_their_unit():
    example = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "example" / "guangxi_example.yaml")
    nanning, qinzhou, chongzuo = example.agreements
    assert p.phases_text(nanning.ratio, "zh") == "2023 年 60%，2024 年起 50%"
    assert p.phases_text(qinzhou.ratio, "zh") == "投产第 1–2 年 70%，投产第 3 年起 40%"
    assert p.phases_text(nanning.ratio, "en") == "2023: 60%, from 2024: 50%"
    # 30,000 yuan is 3 万元; 60,000 yuan 6 万元 — the unit its size calls for, named
    assert p.yuan_words(chongzuo.cap.origin_cumulative_yuan, "zh") == "3.00 万元"
    assert p.yuan_words(chongzuo.floor.host_yearly_yuan, "en").startswith("6.00 ")
    assert p.percent_text(0.333333) == "33.3333" and p.percent_text(0.6) == "60"


def test_the_zones_risk_table_says_its_figures_are_probabilities(comparison):
    from analysis.comparison import zone_risk_view

    view = zone_risk_view(comparison, "zh")
    assert len(view.table) and view.unit is None  # shares of replications, no amounts
    assert view.note == "基于全部 2 次模拟：概率为出现该结果的模拟次数占比"
