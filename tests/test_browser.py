"""The app in a real browser: `ftzshare app` headless on a free port, driven by Playwright in Debian's Chromium.

Checks what a user does — three ratio edits in a row each take effect (none snaps back), the share box's link
opened in a fresh browser restores the page, the bundled example settles, a CSV download has Chinese headers and
amounts in the unit they state, a behaviour change simulates again, a bad upload shows its message. Timings seen
on the way are written to test-artifacts/browser_timings.json beside the screenshots — recorded for people to
read, never asserted (a loaded machine must not fail a test of behaviour; benchmarks/bench_app.py measures them).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from sim.messages import render

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="Debian chromium not installed (CI installs it)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analysis.cli",
            "app",
            "--headless",
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
            # the app's config hides tracebacks from officials; the tests must see any (stException)
            "--client.showErrorDetails",
            "full",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("streamlit did not answer")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser_timings.json").unlink(missing_ok=True)  # this run's timings only
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # the browser's own omnibox popup, a page Chromium loads with every new tab (~1.8 s of CPU here)
                "--disable-features=WebUIOmniboxPopup,PreloadTopChromeWebUI",
            ],
        )
        yield instance
        instance.close()


def _record(**timings: float) -> None:
    """Add measured timings to test-artifacts/browser_timings.json (an artifact; no test reads it)."""
    path = ARTIFACTS / "browser_timings.json"
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        recorded = json.loads(path.read_text())
    except (OSError, ValueError):
        recorded = {}
    recorded.update({name: round(value, 4) for name, value in timings.items()})
    path.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    print("browser timings:", timings)


IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
  && !document.querySelector('[data-stale="true"]') && document.querySelector('.st-key-replications input')"""


def _idle(page) -> None:
    """Wait until the app has finished its run: no status widget, nothing left from the run before, and the
    sidebar drawn (it is drawn last)."""
    page.wait_for_function(IDLE, timeout=30_000)


def _metric(page, index: int) -> str:
    return page.locator('[data-testid="stMetricValue"]').nth(index).inner_text()


def _amount(metric: str, unit: str = "亿元") -> float:
    """A metric's figure: "12.34 亿元" → 12.34."""
    number, shown = metric.split(" ", 1)
    assert shown == unit, metric
    return float(number.replace(",", ""))


def _open(browser, url: str):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
    page.locator('[data-testid="stAlertContentInfo"]').first.wait_for(timeout=60_000)  # "re-split in … ms"
    return page, time.perf_counter() - start


def _share(page) -> str:
    """What the share box holds."""
    return page.locator(".st-key-share input").input_value()


def _linked(url: str) -> dict:
    """The overrides a link carries."""
    from analysis.app_support import decode_link

    return decode_link(parse_qs(urlsplit(url).query)["state"][0])[1]


ORIGIN_SHARES = '[class*="st-key-nanning-phase"][class*="-origin"] input'  # the ratio table's share column


def _edit_ratio(page, row: int, value: str) -> float:
    """Type `value` into the origin share of phase `row` of the ratio table and press Enter; return the seconds
    until the first figure changed."""
    before = _metric(page, 0)
    cell = page.locator(ORIGIN_SHARES).nth(row)
    cell.fill(value)
    start = time.perf_counter()
    cell.press("Enter")
    page.wait_for_function(
        "before => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== before",
        arg=before,
        timeout=15_000,
    )
    seconds = time.perf_counter() - start
    _idle(page)
    assert page.locator(ORIGIN_SHARES).nth(row).input_value() == f"{float(value):.4f}"  # it held
    return seconds


def test_three_ratio_edits_in_a_row_each_take_effect_and_the_shared_link_restores_the_page(server, browser):
    page, first_load = _open(browser, server)
    # the first visit simulates; a second visit finds the simulation cached, as every user after the first does
    page.close()
    page, load = _open(browser, server)
    page.screenshot(path=str(ARTIFACTS / "01-loaded.png"), full_page=True)
    assert page.get_by_text("自贸试验区协同发展区税收分享测算").count() >= 1
    _idle(page)
    figures = [_amount(_metric(page, i)) for i in range(3)]  # origin, host, central (亿元)
    assert _share(page).startswith(server + "/?state=") and _share(page).endswith("&lang=zh&r=3")
    seconds, shared_before = [], _share(page)
    # Nanning's phases: 2025–2027 at 0.6, from 2028 at 0.5. Each edit must hold (none snaps back) and move the
    # money its way: the origin's total falls with its share, the host takes what it gives up, central is fixed.
    for row, value, direction in ((1, "0.3", -1), (0, "0.4", -1), (1, "0.45", +1)):
        seconds.append(_edit_ratio(page, row, value))
        origin, host, central = (_amount(_metric(page, i)) for i in range(3))
        assert (origin - figures[0]) * direction > 0 and (host - figures[1]) * direction < 0, (row, value)
        assert central == figures[2]
        figures = [origin, host, central]
        # the share box is drawn last in a run: wait for this run's link (a stale one would keep the old value)
        page.wait_for_function(
            "prefix => !document.querySelector('.st-key-share input').value.startsWith(prefix)",
            arg=shared_before,
            timeout=15_000,
        )
        schedule = _linked(_share(page))["agreements"]["nanning"]["ratio"]["schedule"]
        assert schedule[row]["origin"] == float(value)
        shared_before = _share(page)
    schedule = _linked(_share(page))["agreements"]["nanning"]["ratio"]["schedule"]
    assert [(p["from"], p.get("to"), p["origin"]) for p in schedule] == [(2025, 2027, 0.4), (2028, None, 0.45)]
    assert "重新分配" in page.get_by_text("重新分配").first.inner_text()
    info = page.get_by_text("重新分配").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "02-ratio-changed.png"), full_page=True)
    _record(
        first_visit_s=first_load,
        second_visit_s=load,
        ratio_edits_to_first_figure_s=max(seconds),
        server_resplit_ms=float(info.split("用时")[1].split("毫秒")[0]),
    )

    # the language is part of the link too; the share box follows every run
    page.get_by_text("English").first.click()
    page.get_by_text("FTZ collaborative zones: tax-sharing simulator").first.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('.st-key-share input').value.endsWith('&lang=en&r=3')", timeout=15_000
    )
    _idle(page)
    shared = _share(page)
    assert shared.startswith(server + "/?state=") and shared.endswith("&lang=en&r=3")
    assert _linked(shared)["agreements"]["nanning"]["ratio"]["schedule"][1]["origin"] == 0.45  # edits kept
    assert page.url == shared
    here = [_metric(page, i) for i in range(3)]
    # copied into a fresh browser (nothing shared with this one), the link restores the page
    other, _ = _open(browser, shared)
    _idle(other)
    assert other.get_by_text("FTZ collaborative zones: tax-sharing simulator").count() >= 1
    assert [_metric(other, i) for i in range(3)] == here
    assert _share(other) == shared
    other.screenshot(path=str(ARTIFACTS / "03-shared-link.png"), full_page=True)
    other.context.close()


def _export(page, label: str, name: str) -> Path:
    """Pick `label` in the results tab's export menu, download it into the artifacts as `name`; its path."""
    page.locator(".st-key-export-results").click()
    page.get_by_role("option", name=label, exact=True).click()
    button = page.locator(f".st-key-export-results-{re.sub('[^A-Za-z0-9_-]', '-', name)} button")
    button.wait_for()  # the menu has run again: the button is the file picked's (keyed by its name)
    with page.expect_download() as download:
        button.click()
    path = ARTIFACTS / name
    download.value.save_as(path)
    return path


def test_a_csv_download_has_chinese_headers_and_amounts_in_the_stated_unit(server, browser):
    page, _ = _open(browser, server)
    _idle(page)
    origin = _amount(_metric(page, 0))
    receipts = render("receipts_view", "zh")
    png_path = _export(page, render("app_export_chart", "zh", title=receipts, format="PNG"), "receipts.png")
    assert png_path.read_bytes().startswith(b"\x89PNG") and png_path.stat().st_size > 5_000
    csv_path = _export(page, render("app_export_table", "zh", title=receipts, format="CSV"), "receipts.csv")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel on Chinese Windows reads the headers right
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    assert header[0] == "年度" and header[1:] == ["中央级（亿元）", "南宁片区（亿元）", "南宁协同发展区（亿元）"]
    total = next(r for r in rows if r[0] == "合计")
    # the file's total for the origin is the figure on the page, in the unit its header states
    assert float(total[2].replace(",", "")) == pytest.approx(origin, abs=0.011)
    yearly = [r for r in rows[1:] if r[0].isdigit()]
    assert len(yearly) == 10 and all(len(r[2].split(".")[-1]) == 2 for r in yearly)
    # the page's own table says the same, in the same unit, its total row drawn bold and its amounts on the right
    table = page.locator("table.ftz-table").first
    assert table.locator("th").all_inner_texts() == header
    shown_total = table.locator("tr.total td")
    assert shown_total.all_inner_texts() == total
    assert shown_total.nth(2).evaluate("c => [getComputedStyle(c).fontWeight, getComputedStyle(c).textAlign]") == [
        "600",
        "right",
    ]


def test_the_bundled_example_settles_in_the_app(server, browser):
    page, _ = _open(browser, server)
    _idle(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="广西自贸试验区协同发展区分享示例（演示数据）").click()
    page.get_by_text("已结算 26 行").first.wait_for(timeout=30_000)
    _idle(page)
    message = page.get_by_text("已结算 26 行").first.inner_text()
    assert "ledger.csv" in message and "广西自贸试验区协同发展区分享示例" in message
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    totals = dict(zip(labels, values, strict=True))
    # WORKED.md beside the example: origin 287,360.01 yuan, host 1,114,440.00 yuan
    assert totals["来源方（万元）"] == "28.74" and totals["承接方（万元）"] == "111.44"
    assert page.locator('[data-testid="stImage"] img').count() >= 1  # the split drawn
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "07-example-settled.png"), full_page=True)


def test_a_behaviour_change_simulates_again(server, browser):
    page, _ = _open(browser, server)
    _idle(page)
    before = [_metric(page, i) for i in range(3)]
    page.get_by_text("行为响应").first.click()
    field = page.get_by_label("来源方推介弹性")
    field.fill("0.5")
    field.press("Enter")
    page.get_by_text("已模拟").first.wait_for(timeout=60_000)
    info = page.get_by_text("已模拟").first.inner_text()
    _record(server_resimulation_s=float(info.split("用时")[1].split("秒")[0]))
    page.screenshot(path=str(ARTIFACTS / "04-resimulated.png"), full_page=True)
    # behaviour responds to the ratio now: the simulation changes what the parties receive
    _idle(page)
    assert [_metric(page, i) for i in range(3)] != before


def test_a_bad_upload_shows_its_message(server, browser, tmp_path):
    page, _ = _open(browser, server)
    # the uploader speaks Chinese and states its real limit
    dropzone = page.locator('.st-key-scenario_upload [data-testid="stFileUploaderDropzone"]')
    assert "1MB per file" in dropzone.inner_text()  # Streamlit's own line, hidden under the Chinese one below
    line = dropzone.locator('[data-testid="stFileUploaderDropzoneInstructions"] span').first
    shown = line.evaluate("e => getComputedStyle(e, '::after').content")
    assert "单个文件不超过 1 MB" in shown
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(bad))
    page.get_by_text("YAML 语法错误").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "05-bad-upload.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0  # a message, not a trace
    # a file over the limit is refused by the browser itself: its line is in Chinese too, with the real limit
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * 120_000)
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(big))
    alert = page.locator('.st-key-scenario_upload [data-testid="stFileChip"] [role="alert"]').first
    alert.wait_for(timeout=30_000)
    assert "1.0MB or smaller" in alert.inner_text()  # Streamlit's own, hidden under the Chinese one
    assert "未接受此文件：应不超过 1 MB" in alert.evaluate("e => getComputedStyle(e, '::after').content")


def test_settling_an_uploaded_ledger_and_a_bad_one(server, browser, tmp_path):
    page, _ = _open(browser, server)
    page.get_by_role("tab", name="结算实际台账").click()
    good = tmp_path / "台账.csv"
    good.write_text(
        "企业编号,来源片区,协同区,年度,税种,税额\nE1,nanning_ftz,nanning_cdz,2025,增值税,10000.00\n"
        "E1,nanning_ftz,nanning_cdz,2026,企业所得税,5000.00\n",
        encoding="gbk",
    )
    upload = page.locator('.st-key-ledger_upload input[type="file"]')
    upload.set_input_files(str(good))
    page.get_by_text("已结算 2 行").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "06-settled.png"), full_page=True)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "企业编号,来源片区,协同区,年度,税种,税额\nE1,nanning_ftz,nanning_cdz,2025,vat,1.005\n", encoding="utf-8"
    )
    upload.set_input_files(str(bad))
    page.get_by_text("超过两位小数").first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_find_a_ratio_applies_a_candidate_to_the_ratio_table_and_the_link(server, browser):
    page, _ = _open(browser, server)
    _idle(page)
    page.get_by_role("tab", name="寻找比例").click()
    page.get_by_text("双方都能接受的来源方分成比例").first.wait_for(timeout=120_000)
    _idle(page)
    page.wait_for_function(
        "() => document.querySelector('.st-key-share input').value.endsWith('&tab=find')", timeout=15_000
    )
    before = _share(page)
    assert page.locator('[data-testid="stImage"] img').count() >= 1  # the chart `ftzshare tune` draws
    page.screenshot(path=str(ARTIFACTS / "08-find-a-ratio.png"), full_page=True)
    page.get_by_role("button", name="应用到分成比例").click()  # the first candidate: Nash
    page.get_by_text("已将「纳什谈判解」").first.wait_for(timeout=120_000)
    _idle(page)
    page.wait_for_function(
        "before => document.querySelector('.st-key-share input').value !== before", arg=before, timeout=15_000
    )
    shared = _share(page)
    schedule = _linked(shared)["agreements"]["nanning"]["ratio"]["schedule"]
    assert len(schedule) == 1 and schedule[0]["from"] == 2025 and 0 < schedule[0]["origin"] < 1
    assert shared.endswith("&tab=find")
    assert page.locator('[data-testid="stException"]').count() == 0
