"""The app in a real browser: `streamlit run` headless on a free port, driven by Playwright in Debian's Chromium.

Checks what a user does — the page loads, a ratio change updates the figures, a chart and a CSV download arrive
and are valid, a bad upload shows its message, a shared URL restores the state. The timings of the two targets
(interactive within 5 s of the server answering, figures updated within 0.5 s of a ratio change) are measured
and written to test-artifacts/browser_timings.json beside the screenshots — recorded for people to read, never
asserted: a loaded machine must not fail a test of behaviour.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
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


def _idle(page) -> None:
    """Wait until the app has finished its run (the running-man status widget is gone)."""
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)


def _metric(page, index: int) -> str:
    return page.locator('[data-testid="stMetricValue"]').nth(index).inner_text()


def _amount(metric: str) -> float:
    """A metric's figure: "12.34 亿元" → 12.34."""
    number, unit = metric.split()
    assert unit == "亿元", metric
    return float(number.replace(",", ""))


def _open(browser, url: str):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
    page.get_by_text("用时").first.wait_for(timeout=60_000)
    return page, time.perf_counter() - start


def test_page_loads_and_a_ratio_change_updates_the_figures(server, browser):
    page, first_load = _open(browser, server)
    # the first visit simulates; a second visit finds the simulation cached, as every user after the first does
    page.close()
    page, load = _open(browser, server)
    page.screenshot(path=str(ARTIFACTS / "01-loaded.png"), full_page=True)
    assert page.get_by_text("自贸试验区协同发展区税收分享测算").count() >= 1
    _idle(page)
    before, url_before = _metric(page, 0), page.url
    figures = [_amount(_metric(page, i)) for i in range(3)]  # origin, host, central (亿元)
    grid = page.locator('[data-testid="stDataFrameResizable"]').first
    box = grid.bounding_box()
    # the ratio grid is drawn on a canvas: double-click the first phase's `origin` (the last column) to edit it
    page.mouse.dblclick(box["x"] + box["width"] - 75, box["y"] + 53)
    editor = page.locator("input.gdg-input, textarea.gdg-input").first
    editor.fill("0.75")
    start = time.perf_counter()
    editor.press("Enter")
    page.wait_for_function(
        "before => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== before",
        arg=before,
        timeout=10_000,
    )
    to_figures = time.perf_counter() - start
    page.get_by_text("重新分配").first.wait_for()
    info = page.get_by_text("重新分配").first.inner_text()
    _record(
        first_visit_s=first_load,
        interactive_s=load,
        ratio_change_to_figures_s=to_figures,
        server_resplit_ms=float(info.split("用时")[1].split("毫秒")[0]),
    )
    page.screenshot(path=str(ARTIFACTS / "02-ratio-changed.png"), full_page=True)
    # the first phase's origin share went from 0.6 to 0.75: the origin gains what the host gives up
    _idle(page)
    origin, host, central = (_amount(_metric(page, i)) for i in range(3))
    assert origin > figures[0] and host < figures[1] and central == figures[2]

    # the URL now carries the edit: opening it elsewhere restores the same figures
    page.wait_for_function("before => location.href !== before", arg=url_before, timeout=10_000)
    shared = page.url
    assert "state=" in shared
    changed = _metric(page, 0)
    other, _ = _open(browser, shared)
    assert _metric(other, 0) == changed
    other.screenshot(path=str(ARTIFACTS / "03-shared-link.png"), full_page=True)

    # downloads: the chart as PNG and the table as CSV with a BOM for Excel (the first row of buttons is the chart's)
    _idle(page)
    buttons = page.locator('[data-testid="stDownloadButton"] button')
    with page.expect_download() as png:
        buttons.filter(has_text="PNG").first.click()
    png_path = ARTIFACTS / "receipts.png"
    png.value.save_as(png_path)
    assert png_path.read_bytes().startswith(b"\x89PNG") and png_path.stat().st_size > 5_000
    with page.expect_download() as csv:
        buttons.filter(has_text="CSV").first.click()
    csv_path = ARTIFACTS / "receipts.csv"
    csv.value.save_as(csv_path)
    text = csv_path.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and "年度" in text.decode("utf-8-sig")


def test_a_behaviour_change_simulates_again(server, browser):
    page, _ = _open(browser, server)
    _idle(page)
    before = [_metric(page, i) for i in range(3)]
    page.get_by_text("行为响应").first.click()
    field = page.get_by_label("来源方推介弹性")
    field.fill("0.5")
    field.press("Enter")
    page.get_by_text("已重新模拟").first.wait_for(timeout=60_000)
    info = page.get_by_text("已重新模拟").first.inner_text()
    _record(server_resimulation_s=float(info.split("用时")[1].split("秒")[0]))
    page.screenshot(path=str(ARTIFACTS / "04-resimulated.png"), full_page=True)
    # behaviour responds to the ratio now: the simulation changes what the parties receive
    _idle(page)
    assert [_metric(page, i) for i in range(3)] != before


def test_a_bad_upload_shows_its_message(server, browser, tmp_path):
    page, _ = _open(browser, server)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(bad))
    page.get_by_text("YAML 语法错误").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "05-bad-upload.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0  # a message, not a trace


def test_settling_an_uploaded_ledger_and_a_bad_one(server, browser, tmp_path):
    page, _ = _open(browser, server)
    page.get_by_role("tab", name="结算实际台账").click()
    good = tmp_path / "台账.csv"
    good.write_text(
        "企业编号,来源片区,协同区,年度,税种,税额\nE1,nanning_ftz,nanning_cdz,2025,增值税,10000.00\n"
        "E1,nanning_ftz,nanning_cdz,2026,企业所得税,5000.00\n",
        encoding="gbk",
    )
    upload = page.locator('[data-testid="stTabPanel"] input[type="file"]').last
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
