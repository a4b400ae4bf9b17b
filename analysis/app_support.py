"""What the browser app needs besides widgets: edits as validated overrides, share links, cached projections,
tables in 万元 and download payloads. No Streamlit here, so all of it is testable on its own."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.outputs.tables import csv_text
from analysis.outputs.workbook import write_tables
from analysis.projection import CENTRAL, HOST, ORIGIN, Projection, project, resplit, simulation_key
from sim.errors import InputError
from sim.scenario import Scenario
from sim.scenario.loading import scenario_from_data
from sim.scenario.variants import merge

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
MAX_LEDGER_UPLOAD = 64 << 20  # the browser is for tuning; big ledgers go through `ftzshare settle`


def bundled() -> dict[str, Path]:
    """Simulatable bundled scenarios by id ("guangxi/nanning")."""
    return {
        str(p.relative_to(SCENARIOS).with_suffix("")): p
        for p in sorted(SCENARIOS.glob("*/*.yaml"))
        if p.parent.name != "example"
    }


def edited(data: dict, overrides: dict, source: str) -> Scenario:
    """The baseline with the user's overrides, validated whole (nothing is applied if any part is wrong)."""
    import copy

    return scenario_from_data(merge(copy.deepcopy(data), overrides, source, "overrides"), source)


def encode_link(scenario_id: str, overrides: dict) -> str:
    """Scenario and overrides packed into one URL-safe parameter."""
    raw = json.dumps({"s": scenario_id, "o": overrides}, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return base64.urlsafe_b64encode(zlib.compress(raw.encode())).decode().rstrip("=")


def decode_link(token: str) -> tuple[str, dict]:
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)), bufsize=1 << 16)
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("s"), str) or not isinstance(data.get("o"), dict):
            raise ValueError
        return data["s"], data["o"]
    except (ValueError, zlib.error, json.JSONDecodeError):
        raise InputError("link", "state", "bad_link") from None


def upload_name(name: str) -> str:
    """What an upload is called in messages: the base name the browser sent, printable, at most 120 characters."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = "".join(c if c.isprintable() else "?" for c in base).strip()
    return base[:120] or "upload"


def _upload_file(folder: Path, shown: str) -> Path:
    """Saved under a fixed name (only the lowercase suffix of the user's name, which tells CSV from XLSX)."""
    suffix = Path(shown).suffix.lower()
    return folder / ("upload" + (suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ""))


@contextmanager
def uploaded(name: str, content: bytes, limit: int) -> Iterator[Path]:
    """The upload as a file in a fresh temporary folder, removed on leaving. An `InputError` raised inside names
    the uploaded file by its own name (`mine.yaml:agreements[0]`), never the server's temporary path.

        with support.uploaded(upload.name, upload.getvalue(), MAX_SCENARIO_BYTES) as path:
            data = scenario_data(path)
    """
    shown = upload_name(name)
    if len(content) > limit:
        raise InputError(shown, None, "file_too_large", size=len(content), limit=limit)
    with tempfile.TemporaryDirectory(prefix="ftzshare-upload-") as folder:
        path = _upload_file(Path(folder), shown)
        path.write_bytes(content)
        try:
            yield path
        except InputError as error:
            raise named(error, path, shown) from None


def named(error: InputError, path: Path, shown: str) -> InputError:
    """The same error with the upload's temporary path replaced by the upload's own name (and the bundled
    library's place on the server by `scenarios/`), in the file and in any parameter."""
    replacements = []
    for real in dict.fromkeys((path, path.resolve())):
        replacements += [(str(real), shown), (str(real.parent) + os.sep, ""), (str(real.parent), "")]
    replacements.append((str(SCENARIOS) + os.sep, "scenarios/"))

    def clean(text: str) -> str:
        for old, new in replacements:
            text = text.replace(old, new)
        return text

    params = {k: clean(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return InputError(clean(error.file), error.where, error.key, **params)


@dataclass
class Computed:
    projection: Projection
    how: str  # "resplit" or "simulated"
    seconds: float


class Projections:
    """Simulations kept per (simulation key, seed, replications): a ratio edit re-splits, a model edit simulates."""

    def __init__(self) -> None:
        self._store: dict[tuple[str, int, int], Projection] = {}

    def get(self, scenario: Scenario, replications: int, progress=None) -> Computed:
        seed = scenario.population.seed
        key = (simulation_key(scenario), seed, replications)
        start = time.perf_counter()
        if key in self._store:
            projection = resplit(scenario, self._store[key])
            return Computed(projection, "resplit", time.perf_counter() - start)
        projection = project(scenario, seed, replications, 1, progress)
        self._store[key] = projection
        return Computed(projection, "simulated", time.perf_counter() - start)


def receipts_table(projection: Projection, lang: str = "zh") -> pd.DataFrame:
    """Yearly receipts per party (mean over replications), in 万元."""
    s = projection.scenario
    r = projection.receipts.mean(axis=0)
    years = s.horizon.start_year + np.arange(s.horizon.years)
    names = {p.id: (p.name if lang == "zh" else p.name_en or p.name) for p in s.parties}
    columns = {}
    columns["年度" if lang == "zh" else "year"] = years
    columns["中央级" if lang == "zh" else "central"] = r[:, :, CENTRAL].sum(axis=0) / 1e6
    for i, a in enumerate(s.agreements):
        columns[names[a.origin]] = columns.get(names[a.origin], 0) + r[i, :, ORIGIN] / 1e6
        columns[names[a.host]] = columns.get(names[a.host], 0) + r[i, :, HOST] / 1e6
    return pd.DataFrame(columns).round(2)


def waterfall(projection: Projection, lang: str = "zh") -> list[tuple[str, str, int]]:
    """Total tax → central → each upper level → origin → host for the first replication: (id, label, fen)."""
    from sim.messages import render

    a = projection.first.settlement.allocation
    levels = {u.id: u.name if lang == "zh" else u.name_en or u.id for u in projection.scenario.tax_rules.upper_levels}
    steps = [
        ("total", render("step_total", lang), int(a.total.sum())),
        ("central", render("step_central", lang), int(a.central.sum())),
    ]
    steps += [(level, levels[level], int(a.upper[..., j].sum())) for j, level in enumerate(a.upper_ids)]
    return steps + [(role, render(f"part_{role}", lang), int(getattr(a, role).sum())) for role in ("origin", "host")]


def report_bytes(comparison, lang: str = "zh") -> bytes:
    """The comparison's PDF report, made in a temporary folder."""
    from analysis.outputs.comparison_files import write_comparison

    with tempfile.TemporaryDirectory() as folder:
        written = write_comparison(comparison, Path(folder) / "out", lang)
        return written["report.pdf"].read_bytes()


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    import matplotlib.pyplot as plt

    from analysis.outputs.charts import style

    buffer = io.BytesIO()
    with plt.rc_context(style()):
        meta = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
        fig.savefig(buffer, format=fmt, dpi=150, metadata=meta)
    return buffer.getvalue()


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows shows the headers right; text a spreadsheet would run as a
    formula is marked as text (`csv_text`), as in every file the command line writes."""
    marked = pd.DataFrame(
        {csv_text(str(c)): [csv_text(v, str(c)) if isinstance(v, str) else v for v in table[c]] for c in table.columns}
    )
    return marked.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(title: str, table: pd.DataFrame) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.xlsx"
        write_tables(path, [(title[:31], table, set())])
        return path.read_bytes()
