"""Assessment, targets, explain, the re-split shortcut and the compare outputs, each against a hand-worked or
independent result."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis.cli import main
from analysis.explain import explain
from analysis.projection import project, resplit, simulation_key
from analysis.targets import progress
from sim.model.assessment import assess, revocation_year
from sim.records.ledger import read_ledger
from sim.scenario import Assessment, Targets
from sim.scenario.loading import load_scenario
from sim.sharing.cube import build_cube
from sim.sharing.split import allocate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example"


def test_assessment_points_as_the_rule_text_says():
    # seeds/000 §四(三): growth of trade and FDI against the region's, each weighted; above earns, below loses;
    # awards earn bonus points. Trade 100 M → 120 M yuan: +20% vs the region's 8% = +12 pp × 0.5 = +6.0; FDI
    # 100 M → 102 M (its three-year sum is one year long in the zone's second year): +2% vs 5% = −3 pp × 0.5 =
    # −1.5; one award × 5 = +5. Points 9.5 ≥ 0: pass.
    rule = Assessment.model_validate(
        {
            "indicators": {
                "trade": {"weight": 0.5, "region_growth": 0.08},
                "fdi": {"weight": 0.5, "region_growth": 0.05},
            },
            "innovation_bonus": 5,
            "pass_score": 0,
            "excess_growth_cap": 0.2,
        }
    )
    m = 1_000_000
    verdict = assess(rule, [{"trade": 100 * m, "fdi": 100 * m}, {"trade": 120 * m, "fdi": 102 * m}], awards=1)
    assert verdict.points == pytest.approx(9.5) and verdict.passed
    # without the award and with FDI falling to 80 M (−20% vs 5% = −25 pp, counted up to the cap of 20 pp:
    # −10): 6 − 10 = −4 → fail
    fell = assess(rule, [{"trade": 100 * m, "fdi": 100 * m}, {"trade": 120 * m, "fdi": 80 * m}], 0)
    assert fell.points == pytest.approx(-4.0) and not fell.passed
    # the zone's first year (no year before it): not assessed, no growth rate, no points, awards or not
    first = assess(rule, [{"trade": 5 * m, "fdi": 5 * m}], 2)
    assert (first.assessed, first.points, first.growth) == (False, 0.0, {"trade": None, "fdi": None})


def test_revoked_after_two_failed_years_in_a_row():
    rule = Assessment.model_validate({"indicators": {"trade": {"weight": 1, "region_growth": 0}}})
    assert revocation_year(rule, {2021: True, 2022: False, 2023: True, 2024: False, 2025: False}) == 2025
    assert revocation_year(rule, {2021: False, 2022: True, 2023: False, 2024: True}) is None


def test_target_progress_and_the_year_reached():
    # 2025 target: tax ≥ 30 bn; entities doubled; FDI ≥ 40% of the region's (10 bn in 2023 growing 5%).
    # Tax 20, 28, 31, 35 bn → reached 2025, met. Entities: 100 at the start, then 100, 150, 190, 210 → ×1.9 in
    # 2025: not met, reached 2026.
    # FDI 3.6, 4.3, 4.5 bn against 10, 10.5, 11.025 bn → 36%, 40.95%, 40.8%: reached 2024, met in 2025.
    targets = Targets.model_validate(
        {
            "year": 2025,
            "tax_revenue_yuan": 3e10,
            "entities_multiple": 2.0,
            "fdi_share_of_region": 0.4,
            "region": {"year": 2023, "fdi_yuan": 1e10, "trade_yuan": 1e11, "growth": 0.05},
        }
    )
    indicators = {
        "entities": np.array([100.0, 150, 190, 210]),
        "tax_revenue": np.array([2e10, 2.8e10, 3.1e10, 3.5e10]),
        "industrial_output": np.zeros(4),
        "fdi": np.array([3.6e9, 4.3e9, 4.5e9, 5e9]),
        "trade": np.zeros(4),
    }
    rows = {p.target: p for p in progress(targets, indicators, 2023, entities_at_start=100.0)}
    assert rows["tax_revenue_yuan"].reached_year == 2025 and rows["tax_revenue_yuan"].met_by_target_year
    assert rows["entities_multiple"].reached_year == 2026 and not rows["entities_multiple"].met_by_target_year
    assert rows["fdi_share_of_region"].values[1] == pytest.approx(0.4095238)
    assert rows["fdi_share_of_region"].reached_year == 2024 and rows["fdi_share_of_region"].met_by_target_year


def test_explain_chains_add_up_for_every_row_of_the_example():
    scenario = load_scenario(EXAMPLE / "guangxi_example.yaml")
    allocation = allocate(build_cube(read_ledger(EXAMPLE / "ledger.csv", scenario), scenario), scenario)
    years = allocation.years
    count = 0
    for a, y, k in zip(*np.nonzero(allocation.rows), strict=True):
        from sim.taxes import TAX_IDS

        steps = {
            s.key: s.fen
            for s in explain(allocation, scenario, scenario.agreements[a].id, int(years[y]), TAX_IDS[k], "t")
        }
        uppers = sum(v for key, v in steps.items() if key.startswith("upper:"))
        assert steps["local"] == steps["total"] - steps["central"]
        assert steps["pool"] == steps["local"] - uppers
        assert steps["increment"] == steps["pool"] - steps["base"]
        assert steps["to_stock"] + steps["split"] == steps["pool"]
        moved = steps["sunset_adj"] + steps["cap_adj"] + steps["floor_adj"]
        assert steps["origin"] + steps["host"] + steps["central"] + uppers == steps["total"]
        assert steps["host"] == steps["pool"] - steps["origin"]
        assert moved >= 0 or steps["origin"] < 0
        count += 1
    assert count == 18


def test_explain_cli_shows_the_hand_worked_chain(capsys):
    args = [
        "explain",
        str(EXAMPLE / "guangxi_example.yaml"),
        "--ledger",
        str(EXAMPLE / "ledger.csv"),
        "--agreement",
        "nanning",
        "--year",
        "2024",
        "--tax",
        "cit",
        "--lang",
        "en",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    # WORKED.md §1, 2024 CIT: pool 128,000, base 88,200, 36,000 repaid, 3,800 split, origin 1,900, host 126,100
    for figure in ("128000.00", "88200.00", "36000.00", "3800.00", "0.500000", "1900.00", "126100.00"):
        assert figure in out
    assert main([*args[:-4], "--tax", "tariff"]) == 2
    assert "unknown tax type" in capsys.readouterr().err


def test_resplit_equals_a_full_simulation_of_the_variant():
    # The shortcut must be exact: a ratio-only variant re-split from the baseline's simulations gives the very
    # same receipts as simulating the variant itself.
    baseline = load_scenario(ROOT / "scenarios/guangxi/chongzuo.yaml")
    variant = baseline.model_copy(
        update={
            "agreements": [
                baseline.agreements[0].model_copy(
                    update={
                        "cap": baseline.agreements[0].cap.model_copy(update={"origin_cumulative_yuan": 5e6}),
                        "sunset_year": 2031,
                    }
                )
            ]
        }
    )
    assert simulation_key(variant) == simulation_key(baseline)
    base = project(baseline, 3, replications=2)
    direct = project(variant, 3, replications=2)
    shortcut = resplit(variant, base)
    assert shortcut.resplit and np.array_equal(shortcut.receipts, direct.receipts)
    assert not np.array_equal(base.receipts, direct.receipts)


def test_behaviour_that_responds_to_the_ratio_forces_a_new_simulation():
    s = load_scenario(ROOT / "scenarios/guangxi/chongzuo.yaml")
    from sim.scenario.population import Behavior

    keen = s.model_copy(update={"behavior": Behavior(origin_referral_elasticity=1.0)})
    other_ratio = keen.model_copy(
        update={
            "agreements": [
                keen.agreements[0].model_copy(
                    update={
                        "ratio": keen.agreements[0].ratio.model_copy(
                            update={"schedule": [{"from": s.horizon.start_year, "origin": 0.2}]}
                        )
                    }
                )
            ]
        }
    )
    assert simulation_key(keen) != simulation_key(other_ratio)


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "out"
    designs = sorted((ROOT / "scenarios/designs").glob("*.yaml"))
    assert (
        main(
            [
                "compare",
                str(ROOT / "scenarios/guangxi/nanning.yaml"),
                *map(str, designs),
                "--out",
                str(out),
                "--replications",
                "2",
            ]
        )
        == 0
    )
    return out


def test_compare_writes_every_output(compared):
    names = {p.name for p in compared.iterdir()}
    assert {
        "comparison.csv",
        "comparison.xlsx",
        "report.pdf",
        "comparison_yearly.png",
        "comparison_yearly.svg",
        "comparison_npv.png",
        "comparison_net.svg",
        "comparison_summary.csv",
        "comparison_summary_zh.csv",
        "comparison_yearly_zh.csv",
    } <= names
    header = (compared / "comparison.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:5] == ["scenario", "party", "party_name", "role", "year"] and "cumulative_discounted" in header


def test_the_pdf_holds_searchable_chinese(compared):
    if shutil.which("pdftotext") is None:
        assert not os.environ.get("CI"), "CI installs poppler-utils"
        pytest.skip("pdftotext not installed")
    text = subprocess.run(
        ["pdftotext", str(compared / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    for title in ("自贸试验区协同发展区税收分享方案比较", "分成汇总", "京津冀式", "来源方"):
        assert title in text
    fonts = subprocess.run(["pdffonts", str(compared / "report.pdf")], capture_output=True, text=True).stdout
    assert "CJK" in fonts and all(" yes " in line for line in fonts.splitlines()[2:])  # embedded


def _libreoffice_reads(workbook: Path, folder: Path) -> str:
    """LibreOffice converts the workbook's first sheet to CSV; its text, for the caller to check."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        assert not os.environ.get("CI"), "CI installs LibreOffice"
        pytest.skip("LibreOffice not installed")
    command = [
        soffice,
        "--headless",
        f"-env:UserInstallation=file://{folder}/lo",
        "--convert-to",
        "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, double quote, UTF-8
        "--outdir",
        str(folder),
        str(workbook),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return (folder / workbook.with_suffix(".csv").name).read_text(encoding="utf-8", errors="replace")


def test_the_workbook_opens_in_openpyxl_and_libreoffice(compared, tmp_path):
    book = openpyxl.load_workbook(compared / "comparison.xlsx")
    assert book.sheetnames[:2] == ["汇总", "逐年"] and "假设" in book.sheetnames
    headers = [c.value for c in book["汇总"][1]]
    # the people's sheet: names, one unit for the sheet (tens of 亿元 over ten years) stated in each money header
    assert headers[:4] == ["方案", "参与方", "角色", "分成合计（亿元）"] and "现值（亿元）" in headers
    assert "方案" in _libreoffice_reads(compared / "comparison.xlsx", tmp_path)


def test_the_settlement_workbook_opens_in_libreoffice(tmp_path):
    out = tmp_path / "settled"
    assert (
        main(
            [
                "settle",
                str(EXAMPLE / "guangxi_example.yaml"),
                "--ledger",
                str(EXAMPLE / "ledger.csv"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = _libreoffice_reads(out / "allocation.xlsx", tmp_path)
    assert "协议" in text and "南宁片区" in text  # the first sheet, 分配结果（万元）


def test_compare_unrelated_scenarios_and_same_bytes_twice(tmp_path):
    # Parties of one scenario are absent from the other: no difference against the baseline is shown for them.
    paths = [str(ROOT / "scenarios/guangxi/chongzuo.yaml"), str(ROOT / "scenarios/guangxi/qinzhou.yaml")]
    for name in ("a", "b"):
        assert main(["compare", *paths, "--out", str(tmp_path / name), "--lang", "en"]) == 0
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    rows = pd.read_csv(tmp_path / "a" / "comparison_summary.csv", dtype=str, keep_default_na=False)
    qinzhou = rows[(rows["scenario"] == "qinzhou") & (rows["party"] == "qinzhou_ftz")]
    assert len(qinzhou) == 1 and (qinzhou[["vs_baseline", "npv_vs_baseline"]] == "").all(axis=None)


def test_compare_refuses_a_bad_baseline_and_bad_files(tmp_path, capsys):
    paths = [str(ROOT / "scenarios/guangxi/chongzuo.yaml")]
    assert main(["compare", *paths, "--out", str(tmp_path / "o"), "--baseline", "3"]) == 2
    assert "--baseline" in capsys.readouterr().err
    assert main(["compare", *paths, str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "file not found" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_explain_a_run_uses_its_revocations(tmp_path, capsys):
    # A zone revoked in 2025 (a region growth no zone can beat): the run's 2026 origin parts are zero, and
    # `explain --run` shows the same, where explaining its ledger against the scenario alone would not.
    import yaml
    from sim_builders import WORLD

    data = {**WORLD, "assessment": {"indicators": {"trade": {"weight": 1.0, "region_growth": 10.0}}}}
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["run", str(scenario), "--out", str(tmp_path / "run"), "--seed", "2"]) == 0
    capsys.readouterr()
    args = ["explain", str(scenario), "--agreement", "a", "--year", "2026", "--tax", "vat", "--lang", "en"]
    assert main([*args, "--run", str(tmp_path / "run")]) == 0
    with_run = capsys.readouterr().out
    assert main([*args, "--ledger", str(tmp_path / "run" / "ledger.csv")]) == 0
    without = capsys.readouterr().out
    origin = [line for line in with_run.splitlines() if "origin's receipts" in line][0]
    assert origin.split()[-1] == "0.00"
    assert [line for line in without.splitlines() if "origin's receipts" in line][0].split()[-1] != "0.00"
    sunset = [line for line in with_run.splitlines() if "after sunset" in line][0]
    assert sunset.split()[-1] != "0.00"
