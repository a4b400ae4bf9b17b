"""The app's speed in a real browser: `ftzshare app` (Streamlit) on a free port, driven by Playwright in Debian's
Chromium (like tests/test_browser.py). Prints the timings and writes them to test-artifacts/bench_app.json;
asserts nothing (a loaded machine must not fail anything — these are for people to read).

    .venv/bin/python benchmarks/bench_app.py [--runs 3] [--scenario guangxi/nanning]

Measured (targets of issue 12, item 8):
- **interactive**: the default page with its simulation already cached (every visitor after the first), from the
  moment the server answers the page request (the navigation's `responseStart`) until the page is usable: the
  figures and the ratio table drawn and the script run finished. Both a fresh browser (no cached assets) and a
  returning one (same browser profile, new tab) are measured; target ≤ 2 s.
- **ratio edit → figures**: from pressing Enter in a ratio cell until the first figure shows the new value, and
  until every figure of the page is redrawn (the run finished); three edits in a row; target ≤ 0.3 s.
- the server's own share of an edit (the re-split, as the page reports it) and the load average, for context.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    # the browser's own omnibox popup: a page Chromium loads with every new tab, ~1.8 s of CPU on this machine,
    # which would compete with the page measured (a browser in use has it loaded already)
    "--disable-features=WebUIOmniboxPopup,PreloadTopChromeWebUI",
]

# resolves when the page is usable: metrics, the ratio table, both charts and the sidebar (drawn last) shown, no
# script run going on
READY = """
() => new Promise(resolve => {
  function ready() {
    const charts = [...document.querySelectorAll('[data-testid="stImage"] img')];
    return document.querySelector('[data-testid="stMetricValue"]')
      && document.querySelector('[class*="st-key-nanning-phase"] input')
      && document.querySelector('.st-key-replications input') && !document.querySelector('[data-stale="true"]')
      && charts.length >= 2 && charts.every(c => c.complete && c.naturalWidth > 0)
      && !document.querySelector('[data-testid="stStatusWidget"]');
  }
  (function check() { ready() ? resolve(performance.now()) : requestAnimationFrame(check); })();
})
"""
NAVIGATION = (
    "() => { const n = performance.getEntriesByType('navigation')[0]; return [n.requestStart, n.responseStart]; }"
)
# resolves with the time the first metric changes, and the time the run that changed it is over
AFTER_EDIT = """
before => new Promise(resolve => {
  const start = window.__edit_start; let changed = null;
  (function check() {
    const metric = document.querySelector('[data-testid="stMetricValue"]');
    if (changed === null && metric && metric.innerText !== before) changed = performance.now();
    if (changed !== null && !document.querySelector('[data-testid="stStatusWidget"]')) {
      requestAnimationFrame(() => resolve([changed - start, performance.now() - start]));
    } else requestAnimationFrame(check);
  })();
})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "analysis.cli", "app", "--headless", "--port", str(port), "--address", "127.0.0.1"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("streamlit did not answer")


def visit(context, url: str) -> tuple[object, float, float]:
    """Open the page; (page, seconds from navigation start, seconds from the server's answer) until usable."""
    page = context.new_page()
    page.goto(url, wait_until="commit")
    ready = page.evaluate(READY)
    request, response = page.evaluate(NAVIGATION)
    return page, ready / 1000, (ready - response) / 1000


def metric(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').first.inner_text()


def edit(page, row: int, value: str) -> tuple[float, float, float]:
    """Type `value` into the origin share of phase `row` of the ratio table; (to the first figure, to every
    figure, the server's re-split) in seconds."""
    before = metric(page)
    cell = page.locator('[class*="st-key-nanning-phase"][class*="-origin"] input').nth(row)
    cell.fill(value)
    page.evaluate("() => { window.__edit_start = performance.now(); }")
    cell.press("Enter")
    first, whole = page.evaluate(AFTER_EDIT, before)
    info = page.get_by_text("重新分配").first.inner_text()
    server = float(info.split("用时")[1].split("毫秒")[0]) / 1000
    return first / 1000, whole / 1000, server


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="visits and edit sequences measured")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    process, url = start_server()
    results: dict[str, object] = {"load_average_before": os.getloadavg()[0]}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            warm = browser.new_context(viewport={"width": 1400, "height": 1000})
            page, first_visit, _ = visit(warm, url)  # simulates: every later visit finds it cached
            page.close()
            results["first_visit_simulating_s"] = round(first_visit, 3)
            fresh, returning, fresh_total = [], [], []
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page, total, after_answer = visit(context, url)
                fresh.append(after_answer)
                fresh_total.append(total)
                context.close()
                page, _, after_answer = visit(warm, url)
                returning.append(after_answer)
                page.close()
            results["interactive_fresh_browser_s"] = median(fresh)
            results["interactive_fresh_browser_from_navigation_s"] = median(fresh_total)
            results["interactive_returning_browser_s"] = median(returning)
            firsts, wholes, servers = [], [], []
            for run in range(args.runs):
                page, _, _ = visit(warm, url)
                for row, value in ((1, "0.3"), (0, "0.4"), (1, f"0.{35 + run}")):  # three edits in a row
                    first, whole, server = edit(page, row, value)
                    firsts.append(first)
                    wholes.append(whole)
                    servers.append(server)
                page.close()
            results["edit_to_first_figure_s"] = median(firsts)
            results["edit_to_all_figures_s"] = median(wholes)
            results["edit_server_resplit_s"] = median(servers)
            results["edits_measured"] = len(firsts)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    results["load_average_after"] = os.getloadavg()[0]
    results["cores"] = os.cpu_count()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bench_app.json").write_text(json.dumps(results, indent=2) + "\n")
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    print("targets: interactive ≤ 2 s after the server answers (simulation cached); ratio edit → figures ≤ 0.3 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
