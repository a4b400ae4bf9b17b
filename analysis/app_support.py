"""What the browser app needs besides widgets: the link and its checks, the bundled catalogue, edits as validated
overrides, bounded caches of simulations, the tables, charts and downloads people read. No Streamlit here, so
all of it is testable on its own.

A server holds many sessions. What one session computes stays in that session (`Projections.own`, a bounded
cache in its session state); only simulations of the bundled scenarios as shipped are shared between sessions
(`shared_cache`), since every visitor starts from those. Both caches are bounded (entries and bytes), locked,
and hold what re-splitting needs — the replications' outcomes and replication 1 without its ledger — never
whole projections.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.cli import MAX_REPLICATIONS, MAX_SIMULATED_YEARS
from analysis.outputs.presentation import (
    YUAN,
    Names,
    Unit,
    View,
    amount_text,
    figure_note,
    in_unit,
    tax_name,
    unit_for,
    with_total,
    with_unit,
)
from analysis.outputs.tables import csv_text
from analysis.projection import CENTRAL, HOST, ORIGIN, Projection, project, resplit, simulation_key
from analysis.settlement import Settlement
from sim.errors import InputError
from sim.ledger import Ledger
from sim.messages import render
from sim.scenario import Scenario
from sim.scenario.loading import MAX_YAML_DEPTH, scenario_data, scenario_from_data
from sim.scenario.variants import merge
from sim.sharing.split import Allocation
from sim.taxes import TAX_IDS

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
MAX_LEDGER_UPLOAD = 64 << 20  # the browser is for tuning; big ledgers go through `ftzshare settle`
DEFAULT_SCENARIO = "guangxi/nanning"
DEFAULT_REPLICATIONS = 3
LANGS = ("zh", "en")

# ---------------------------------------------------------------- the link

# A link carries the scenario's id and the edits the page makes (the terms of each agreement, behaviour),
# deflated: fifteen agreements with a few phases each pack into about a kilobyte. Anything much bigger was
# not written by the page, so the token, what it inflates to and how deep it nests are bounded before parsing.
MAX_LINK_CHARS = 16_384
MAX_LINK_BYTES = 1 << 18
LINK_PARAMS = ("state", "lang", "r")
AGREEMENT_TERMS = ("ratio", "base", "negative_increment", "cap", "floor", "sunset_year")
BEHAVIOR_TERMS = ("origin_referral_elasticity", "host_service_elasticity")


@dataclass(frozen=True)
class Link:
    """What a link asks for, each part checked; a part that fails is replaced by the default and its error kept."""

    scenario: str
    overrides: dict
    lang: str
    replications: int
    errors: tuple[InputError, ...]


def shown(value: object, limit: int = 40) -> str:
    """A value from outside as it may appear in a message: printable, at most `limit` characters."""
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_link(params: Mapping[str, str], scenarios: Iterable[str]) -> Link:
    """The page a link restores: each of `state`, `lang` and `r` validated on its own, so that one bad part
    says what is wrong with it and the rest of the link still applies. Other parameters are ignored."""
    errors: list[InputError] = []
    lang = params.get("lang", "zh")
    if lang not in LANGS:
        errors.append(InputError("link", "lang", "link_lang", value=shown(lang)))
        lang = "zh"
    replications = DEFAULT_REPLICATIONS
    if "r" in params:
        text = params["r"]
        if re.fullmatch(r"[0-9]{1,7}", text) and 1 <= int(text) <= MAX_REPLICATIONS:
            replications = int(text)
        else:
            errors.append(
                InputError(
                    "link", "r", "link_replications", value=shown(text), limit=MAX_REPLICATIONS, default=replications
                )
            )
    scenario, overrides = DEFAULT_SCENARIO, {}
    if "state" in params:
        try:
            scenario, overrides = decode_link(params["state"])
        except InputError as error:
            errors.append(error)
        else:
            if scenario not in set(scenarios):
                errors.append(InputError("link", "state", "link_scenario", value=shown(scenario)))
                scenario, overrides = DEFAULT_SCENARIO, {}
    return Link(scenario, overrides, lang, replications, tuple(errors))


def encode_link(scenario_id: str, overrides: dict) -> str:
    """Scenario and overrides packed into one URL-safe parameter."""
    raw = json.dumps({"s": scenario_id, "o": overrides}, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return base64.urlsafe_b64encode(zlib.compress(raw.encode(), 9)).decode().rstrip("=")


def _finite(text: str) -> float:
    value = float(text)
    if not np.isfinite(value):
        raise ValueError(text)
    return value


def _no_constant(name: str) -> None:
    raise ValueError(name)  # NaN, Infinity, -Infinity: JSON has no such numbers


def decode_link(token: str) -> tuple[str, dict]:
    """The scenario id and overrides of a `state` token, or an `InputError` saying why not."""
    bad = InputError("link", "state", "bad_link")
    if len(token) > MAX_LINK_CHARS:
        raise InputError("link", "state", "link_too_long", size=len(token), limit=MAX_LINK_CHARS)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise bad
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)), MAX_LINK_BYTES)
        if inflater.unconsumed_tail:
            raise InputError("link", "state", "link_too_long", size=len(token), limit=MAX_LINK_CHARS)
        if not inflater.eof:
            raise bad
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise InputError("link", "state", "link_too_deep", limit=MAX_YAML_DEPTH) from None
    except (ValueError, zlib.error, UnicodeDecodeError):
        raise bad from None
    if _depth(data) > MAX_YAML_DEPTH:
        raise InputError("link", "state", "link_too_deep", limit=MAX_YAML_DEPTH)
    if not isinstance(data, dict) or not isinstance(data.get("s"), str) or not isinstance(data.get("o"), dict):
        raise bad
    _check_overrides(data["o"])
    return data["s"], data["o"]


def _depth(value: object) -> int:
    """How deep lists and mappings nest (iteratively: a link cannot exhaust the stack here)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _check_overrides(overrides: dict) -> None:
    """Only what the page itself writes: the terms of agreements and the behaviour block. Values are checked
    by the scenario's own schema when the overrides are applied (`edited`)."""

    def refuse(name: object) -> InputError:
        return InputError("link", "state", "link_key", name=shown(name))

    for key, value in overrides.items():
        if key == "agreements" and isinstance(value, dict):
            for ident, terms in value.items():
                if not isinstance(terms, dict) or len(str(ident)) > 64:
                    raise refuse(ident)
                for term in terms:
                    if term not in AGREEMENT_TERMS:
                        raise refuse(f"{ident}.{term}")
        elif key == "behavior" and isinstance(value, dict):
            for term in value:
                if term not in BEHAVIOR_TERMS:
                    raise refuse(f"behavior.{term}")
        else:
            raise refuse(key)


def full_url(base: str | None, host: str | None, query: Mapping[str, str], proto: str | None = None) -> str:
    """The share link: the page's address (`st.context.url`, else the request's Host header) and its query."""
    from urllib.parse import urlencode

    if base:
        address = base.split("?", 1)[0].split("#", 1)[0]
    elif host:
        address = f"{(proto or 'http').split(',')[0].strip()}://{host}/"
    else:
        address = "http://localhost:8501/"
    if not address.endswith("/"):
        address += "/"
    return address + "?" + urlencode(query)


# ---------------------------------------------------------------- how much a scenario may ask for


def max_replications(years: int) -> int:
    """The most replications of a `years`-year horizon the command line allows too (`analysis.cli` limits)."""
    return max(1, min(MAX_REPLICATIONS, MAX_SIMULATED_YEARS // max(1, years)))


def check_workload(replications: int, years: int, source: str, where: str) -> None:
    """The command line's rule (`analysis.cli._check_workload`) for the app: replications and simulated years."""
    if replications > MAX_REPLICATIONS:
        raise InputError(source, where, "replications_limit", value=replications, limit=MAX_REPLICATIONS)
    if replications * years > MAX_SIMULATED_YEARS:
        raise InputError(
            source,
            where,
            "simulated_years_limit",
            replications=replications,
            years=years,
            total=replications * years,
            limit=MAX_SIMULATED_YEARS,
        )


# ---------------------------------------------------------------- the bundled catalogue


@dataclass(frozen=True)
class Entry:
    """A bundled scenario: simulatable (it has a population), or for settling records only (the example),
    with the records shipped beside it when there are any."""

    id: str
    path: Path
    name: str
    name_en: str | None
    simulatable: bool
    key: str | None  # its simulation key, when simulatable
    ledger: Path | None = None
    statistics: Path | None = None

    def title(self, lang: str) -> str:
        return self.name if lang == "zh" or not self.name_en else self.name_en


@cache
def catalogue() -> dict[str, Entry]:
    """Every bundled scenario by id ("guangxi/nanning"), read once per process (the files ship with the app)."""
    out = {}
    for path in sorted(SCENARIOS.glob("*/*.yaml")):
        ident = str(path.relative_to(SCENARIOS).with_suffix(""))
        try:
            scenario = scenario_from_data(_bundled_data(path), ident)
        except InputError:
            continue  # a broken bundled file is a test failure, not a blank page
        simulatable = scenario.population is not None
        ledger, statistics = path.parent / "ledger.csv", path.parent / "statistics.csv"
        with_records = not simulatable and ledger.is_file()
        out[ident] = Entry(
            ident,
            path,
            scenario.name,
            scenario.name_en,
            simulatable,
            simulation_key(scenario) if simulatable else None,
            ledger if with_records else None,
            statistics if with_records and statistics.is_file() else None,
        )
    return out


def bundled() -> dict[str, Path]:
    """Simulatable bundled scenarios by id ("guangxi/nanning")."""
    return {ident: entry.path for ident, entry in catalogue().items() if entry.simulatable}


@cache
def _bundled_data(path: Path) -> dict:
    return scenario_data(path)


def bundled_data(ident: str) -> dict:
    """A bundled scenario's content before validation (a fresh copy: callers may change it)."""
    return copy.deepcopy(_bundled_data(catalogue()[ident].path))


@cache
def public_keys() -> frozenset[str]:
    """Simulation keys of the bundled scenarios as shipped: the only simulations sessions share."""
    return frozenset(entry.key for entry in catalogue().values() if entry.key)


def edited(data: dict, overrides: dict, source: str) -> Scenario:
    """The baseline with the user's overrides, validated whole (nothing is applied if any part is wrong)."""
    return scenario_from_data(merge(copy.deepcopy(data), overrides, source, "overrides"), source)


# ---------------------------------------------------------------- uploads


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


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# ---------------------------------------------------------------- bounded caches


def nbytes(value: object) -> int:
    """Roughly what `value` holds in memory: its numpy arrays, strings and containers, walked once each."""
    seen: set[int] = set()
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if id(item) in seen or item is None or isinstance(item, int | float | bool):
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            total += item.nbytes + (sum(len(str(v)) for v in item.ravel()) if item.dtype == object else 0)
        elif isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            total += 64 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 8 * len(item)
            stack.extend(item)
        elif is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in fields(item))
        elif hasattr(item, "__dict__") and not isinstance(item, type):
            stack.extend(vars(item).values())
    return total


class BoundedCache:
    """Least recently used entries, at most `max_entries` of them and `max_bytes` together, safe across threads.
    An entry bigger than the whole budget is handed back but not kept."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[object, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[object, threading.Lock] = {}

    def get(self, key: object) -> object | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key][0]

    def put(self, key: object, value: object, size: int | None = None) -> None:
        size = nbytes(value) if size is None else size
        with self._lock:
            self._items.pop(key, None)
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            while len(self._items) > self.max_entries or self.nbytes > self.max_bytes:
                self._items.popitem(last=False)

    def get_or_make(self, key: object, make: Callable[[], object]) -> tuple[object, bool]:
        """The entry, made by `make` when missing — once, however many threads ask for it at the same time.
        Returns (value, whether this call made it)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0], False
            making = self._making.setdefault(key, threading.Lock())
        try:
            with making:
                found = self.get(key)
                if found is not None:
                    return found, False
                value = make()
                self.put(key, value)
                return value, True
        finally:
            with self._lock:
                self._making.pop(key, None)

    @property
    def nbytes(self) -> int:
        return sum(size for _, size in self._items.values())

    def keys(self) -> list[object]:
        with self._lock:
            return list(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)


# Simulations every visitor starts from (the bundled scenarios as shipped, at the replications asked for):
# a replication's outcome is a few kilobytes to a megabyte, replication 1 without its ledger a few megabytes.
SHARED_ENTRIES, SHARED_BYTES = 16, 256 << 20
# What one session simulates for itself (behaviour edits, uploads): a few designs at a time.
SESSION_ENTRIES, SESSION_BYTES = 4, 48 << 20


@cache
def shared_cache() -> BoundedCache:
    """The one cache sessions share (the server process's)."""
    return BoundedCache(SHARED_ENTRIES, SHARED_BYTES)


def session_cache() -> BoundedCache:
    return BoundedCache(SESSION_ENTRIES, SESSION_BYTES)


def start_years(ledger: Ledger) -> Ledger:
    """The ledger reduced to one row per entity and agreement with its start year: all the statistics split of a
    re-split reads from it (a years-since-start ratio gives each entity its own phase)."""
    pairs = np.unique(np.stack([ledger.entity, ledger.agreement, ledger.start_year]), axis=1)
    n = pairs.shape[1]
    zeros = np.zeros(n, np.int64)
    return Ledger(
        source=ledger.source,
        entity_ids=ledger.entity_ids,
        entity=pairs[0],
        agreement=pairs[1],
        year=pairs[2],
        month=zeros,
        tax=zeros,
        amount=zeros,
        central=zeros,
        has_central=np.zeros(n, bool),
        start_year=pairs[2],
        row_numbers=zeros,
    )


def slim(projection: Projection) -> Projection:
    """What re-splitting needs of a projection: every replication's outcome (its ledger summed into a cube) and
    replication 1's simulation, statistics records and start years — not its ledger or its event log."""
    first = projection.first
    settlement = first.settlement
    kept = Settlement(
        settlement.scenario,
        start_years(settlement.ledger),
        settlement.allocation,
        settlement.records,
        settlement.balance,
    )
    simulation = replace(first.simulation, events=[])
    return replace(projection, first=replace(first, simulation=simulation, settlement=kept))


@dataclass
class Computed:
    projection: Projection
    how: str  # "resplit" or "simulated"
    seconds: float


class Projections:
    """One session's simulations: a ratio edit re-splits, a model edit simulates.

    Looked up in the session's own cache, then in the shared one; a simulation of a bundled scenario as shipped
    goes to the shared cache, anything else (an upload, a behaviour edit) stays in the session's."""

    def __init__(self, shared: BoundedCache | None = None, own: BoundedCache | None = None) -> None:
        self.shared = shared
        self.own = own if own is not None else session_cache()

    def get(self, scenario: Scenario, replications: int, progress=None) -> Computed:
        seed = scenario.population.seed
        sim_key = simulation_key(scenario)
        key = (sim_key, seed, replications)
        start = time.perf_counter()
        public = self.shared is not None and sim_key in public_keys()
        baseline = self.own.get(key) or (self.shared.get(key) if public else None)
        if baseline is None:
            cache = self.shared if public else self.own
            baseline, made = cache.get_or_make(key, lambda: slim(project(scenario, seed, replications, 1, progress)))
            if made:
                return Computed(baseline, "simulated", time.perf_counter() - start)
        return Computed(resplit(scenario, baseline), "resplit", time.perf_counter() - start)


# ---------------------------------------------------------------- what people read


def plain(text: str) -> str:
    """Text shown through Markdown (`st.error`, `st.info`) as it is: no link, emphasis, formula or HTML."""
    text = re.sub(r"([\\`*\[\]<>$~|#])", r"\\\1", text)
    return re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)


def error_text(error: InputError, lang: str) -> str:
    reason = f"{error.file}{':' + error.where if error.where else ''}: {error.reason(lang)}"
    return plain(render("app_error", lang, reason=reason))


def mean_totals(projection: Projection) -> dict[str, float]:
    """Origin, host and central over the horizon, mean over replications (fen)."""
    r = projection.receipts
    columns = (("origin", ORIGIN), ("host", HOST), ("central", CENTRAL))
    return {role: float(r[..., column].sum(axis=(1, 2)).mean()) for role, column in columns}


def receipts_fen(projection: Projection, lang: str = "zh") -> tuple[pd.DataFrame, list[str]]:
    """Yearly receipts (mean over replications, fen) by party name, with a totals row; and the amount columns."""
    s = projection.scenario
    names = Names(s, lang)
    r = projection.receipts.mean(axis=0)
    year = render("col_year", lang)
    columns: dict[str, object] = {year: [str(y) for y in s.horizon.start_year + np.arange(s.horizon.years)]}
    columns[render("step_central", lang)] = r[:, :, CENTRAL].sum(axis=0)
    for i, a in enumerate(s.agreements):
        for party, column in ((a.origin, ORIGIN), (a.host, HOST)):
            name = names.party(party)
            columns[name] = columns.get(name, 0) + r[i, :, column]
    amounts = [c for c in columns if c != year]
    return with_total(pd.DataFrame(columns), year, amounts, lang), amounts


def view_of(table: pd.DataFrame, amounts: list[str], unit: Unit, lang: str, note: str = "", title: str = "") -> View:
    """A fen table as a `View` for people: every amount column in `unit`, its header stating the unit."""
    out, money = {}, []
    for column in table.columns:
        if column in amounts:
            name = with_unit(column, unit, lang)
            out[name] = in_unit(pd.to_numeric(table[column], errors="coerce").to_numpy(float), unit)
            money.append(name)
        else:
            out[column] = table[column].to_numpy(object)
    return View(pd.DataFrame(out), unit, tuple(money), note, title)


def receipts_view(projection: Projection, lang: str = "zh", unit: Unit | None = None) -> View:
    """Yearly receipts per party (mean over replications) in one unit, the unit in every header, a totals row."""
    table, amounts = receipts_fen(projection, lang)
    unit = unit or unit_for(table[amounts])
    note = figure_note("mean", lang, n=len(projection.outcomes))
    return view_of(table, amounts, unit, lang, note, render("receipts_view", lang))


def receipts_table(projection: Projection, lang: str = "zh") -> pd.DataFrame:
    """`receipts_view`'s numbers (a file's table): 年度 first, then central and each party in one unit."""
    return receipts_view(projection, lang).table


def waterfall(
    projection_or_allocation, lang: str = "zh", scenario: Scenario | None = None
) -> list[tuple[str, str, int]]:
    """Total tax → central → each upper level → origin → host (replication 1, or a settled allocation with its
    scenario): [(id, label, fen)]."""
    if isinstance(projection_or_allocation, Projection):
        a, scenario = projection_or_allocation.first.settlement.allocation, projection_or_allocation.scenario
    else:
        a = projection_or_allocation
    names = Names(scenario, lang)
    steps = [
        ("total", render("step_total", lang), int(a.total.sum())),
        ("central", render("step_central", lang), int(a.central.sum())),
    ]
    steps += [(level, names.party(level), int(a.upper[..., j].sum())) for j, level in enumerate(a.upper_ids)]
    return steps + [(role, render(f"part_{role}", lang), int(getattr(a, role).sum())) for role in ("origin", "host")]


def waterfall_view(parts: list[tuple[str, str, int]], unit: Unit, lang: str, note: str = "") -> View:
    part, amount = render("app_part", lang), render("app_amount", lang)
    table = pd.DataFrame({part: [label for _, label, _ in parts], amount: [fen for *_, fen in parts]})
    return view_of(table, [amount], unit, lang, note)


def cells(allocation: Allocation, scenario: Scenario) -> list[tuple[str, int, str]]:
    """Every (agreement id, year, tax id) with an allocation row: what "explain" can be asked about."""
    return [
        (scenario.agreements[a].id, int(allocation.years[y]), TAX_IDS[k])
        for a, y, k in zip(*allocation.rows.nonzero(), strict=True)
    ]


def cell_label(cell: tuple[str, int, str], names: Names, lang: str) -> str:
    agreement, year, tax = cell
    return f"{names.agreement(agreement)} · {year} · {tax_name(tax, lang)}"


def explain_table(allocation: Allocation, scenario: Scenario, cell: tuple[str, int, str], lang: str) -> pd.DataFrame:
    """The chain of one cell, from its total to the origin's and host's parts, in yuan (exact to the fen)."""
    from analysis.explain import explain, label

    steps = explain(allocation, scenario, *cell, "app", lang)
    amount = render("app_explain_amount", lang)
    return pd.DataFrame(
        [
            {
                render("app_explain_step", lang): label(s, lang),
                amount: s.detail if s.fen is None else str(amount_text([s.fen], YUAN)[0]),
            }
            for s in steps
        ]
    )


def terms_table(scenario: Scenario, lang: str) -> pd.DataFrame:
    """The terms an allocation applied, one row per agreement, in words."""
    from analysis.outputs.presentation import base_rule_name, basis_name, policy_name

    names = Names(scenario, lang)
    none = render("app_none", lang)
    rows = []
    for a in scenario.agreements:
        phases = "；".join(
            render(
                "app_phase" if p.end is not None else "app_phase_open",
                lang,
                start=p.start,
                end=p.end,
                share=f"{float(p.origin) * 100:g}%",
            )
            for p in a.ratio.schedule
        )
        base = base_rule_name(a.base.rule, lang) + (f"（{a.base.year}）" if a.base.rule == "base_year" else "")
        cap, floor = a.cap.origin_cumulative_yuan, a.floor.host_yearly_yuan
        rows.append(
            {
                render("col_agreement", lang): names.agreement(a.id),
                render("app_basis", lang): basis_name(a.ratio.basis, lang),
                render("app_phases", lang): phases,
                render("app_base", lang): base,
                render("app_negative", lang): policy_name(a.negative_increment, lang),
                render("app_cap_short", lang): none if cap is None else f"{float(cap):,.2f}",
                render("app_floor_short", lang): none if floor is None else f"{float(floor):,.2f}",
                render("app_sunset_short", lang): none if a.sunset_year is None else str(a.sunset_year),
            }
        )
    return pd.DataFrame(rows)


def settled_fen(allocation: Allocation, scenario: Scenario, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """A settled allocation by agreement and year (fen): total, central, each upper level, origin, host; totals row."""
    names = Names(scenario, lang)
    a_index, y_index = np.nonzero(allocation.rows.any(axis=2))
    agreement, year = render("col_agreement", lang), render("col_year", lang)
    table = pd.DataFrame(
        {
            agreement: [names.agreement(scenario.agreements[a].id) for a in a_index],
            year: [str(int(allocation.years[y])) for y in y_index],
        }
    )
    amounts = []

    def add(name: str, fen: np.ndarray) -> None:
        amounts.append(name)
        table[name] = fen.sum(axis=2)[a_index, y_index]

    add(render("col_total", lang), allocation.total)
    add(render("col_central", lang), allocation.central)
    for j, level in enumerate(allocation.upper_ids):
        add(names.party(level), allocation.upper[..., j])
    add(render("col_origin", lang), allocation.origin)
    add(render("col_host", lang), allocation.host)
    return with_total(table, agreement, amounts, lang), amounts


def settled_view(allocation: Allocation, scenario: Scenario, lang: str, unit: Unit | None = None) -> View:
    table, amounts = settled_fen(allocation, scenario, lang)
    unit = unit or unit_for(table[amounts])
    return view_of(table, amounts, unit, lang, figure_note("settled", lang), render("app_tab_settle", lang))


def plain_allocation(allocation: Allocation, scenario: Scenario) -> pd.DataFrame:
    """The allocation for scripts: `allocation.csv` of `ftzshare settle` (English ids, yuan with two decimals)."""
    from analysis.outputs.tables import allocation_table

    return allocation_table(allocation, scenario)


def statistics_view(stats, scenario: Scenario, lang: str) -> View | None:
    """Indicators credited to each side, by agreement, year and indicator: money indicators in one unit for the
    view, counts (people, entities) as whole numbers, each indicator's unit beside its name."""
    from analysis.outputs.presentation import indicator_name, rule_name
    from sim.indicators import COUNT_INDICATORS, INDICATORS
    from sim.sharing.statistics import RULES

    if stats is None or not len(stats.total):
        return None
    names = Names(scenario, lang)
    counts = np.isin(stats.indicator, [INDICATORS.index(c) for c in COUNT_INDICATORS])
    unit = unit_for(np.concatenate([stats.total[~counts], stats.origin[~counts], stats.host[~counts]]))

    def indicator(k: int, count: bool) -> str:
        name = INDICATORS[k]
        what = render(f"unit_count_{name}", lang) if count else unit.label(lang)
        return render("with_unit", lang, name=indicator_name(name, lang), unit=what)

    def values(amount: np.ndarray) -> np.ndarray:
        return np.where(counts, amount.astype(float), in_unit(amount.astype(float), unit))

    money = tuple(render(f"col_stat_{k}", lang) for k in ("total", "origin", "host"))
    table = pd.DataFrame(
        {
            render("col_agreement", lang): [names.agreement(scenario.agreements[a].id) for a in stats.agreement],
            render("col_year", lang): [str(int(y)) for y in stats.year],
            render("col_indicator", lang): [indicator(k, c) for k, c in zip(stats.indicator, counts, strict=True)],
            render("col_rule", lang): [rule_name(RULES[k], lang) for k in stats.rule],
            money[0]: values(stats.total),
            money[1]: values(stats.origin),
            money[2]: values(stats.host),
        }
    )
    decimals = tuple(0 if c else unit.decimals for c in counts)
    title = render("view_statistics", lang)
    return View(table, unit, money, figure_note("settled", lang), title, decimals)


# ---------------------------------------------------------------- charts drawn by the browser (Vega-Lite)

ORIGIN_COLOUR, HOST_COLOUR, CENTRAL_COLOUR, UPPER_COLOUR = "#c0392b", "#2471a3", "#555555", "#999999"


def receipts_spec(projection: Projection, lang: str, unit: Unit) -> tuple[pd.DataFrame, dict]:
    """Each agreement's yearly receipts of origin and host — median over replications with the 5–95% band when
    there are several — as one small panel per agreement."""
    s = projection.scenario
    names = Names(s, lang)
    r = projection.receipts
    years = s.horizon.start_year + np.arange(r.shape[2])
    rows = []
    for i, a in enumerate(s.agreements):
        for role, column in (("origin", ORIGIN), ("host", HOST)):
            values = r[:, i, :, column] / unit.fen_per
            low, mid, high = np.percentile(values, [5, 50, 95], axis=0)
            who = f"{render(f'part_{role}', lang)} {names.party(getattr(a, role))}"
            rows += [
                (names.agreement(a.id), render(f"part_{role}", lang), who, int(y), m, lo, hi)
                for y, m, lo, hi in zip(years, mid, low, high, strict=True)
            ]
    data = pd.DataFrame(rows, columns=["agreement", "role", "party", "year", "value", "low", "high"])
    value_title = render("with_unit", lang, name=render("col_yearly_receipts", lang), unit=unit.label(lang))
    year_title = render("col_year", lang)
    colour = {
        "field": "role",
        "type": "nominal",
        "title": None,
        "scale": {
            "domain": [render("part_origin", lang), render("part_host", lang)],
            "range": [ORIGIN_COLOUR, HOST_COLOUR],
        },
        "legend": {"orient": "top"},
    }
    x = {"field": "year", "type": "ordinal", "title": year_title, "axis": {"labelAngle": 0}}
    tooltip = [
        {"field": "party", "title": render("col_party", lang)},
        {"field": "year", "title": year_title},
        {"field": "value", "title": value_title, "format": ",.2f"},
    ]
    layers = [
        {
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "title": value_title, "axis": {"format": ",.2f"}},
                "color": colour,
                "tooltip": tooltip,
            },
        }
    ]
    if len(r) > 1:
        layers.insert(
            0,
            {
                "mark": {"type": "area", "opacity": 0.15},
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative"},
                    "y2": {"field": "high"},
                    "color": colour,
                },
            },
        )
    panel = {"layer": layers, "height": 180}
    if len(s.agreements) == 1:
        spec = {**panel, "title": names.agreement(s.agreements[0].id)}
    else:
        spec = {
            "facet": {"field": "agreement", "type": "nominal", "title": None, "sort": None},
            "columns": 3,
            "spec": {**panel, "width": 260},
            "resolve": {"scale": {"y": "independent"}},
        }
    return data, spec


def waterfall_spec(parts: list[tuple[str, str, int]], lang: str, unit: Unit) -> tuple[pd.DataFrame, dict]:
    """Total tax falling step by step to central, each upper level, origin and host, each bar labelled."""
    rows, level = [], 0.0
    for x, (ident, label, fen) in enumerate(parts):
        value = fen / unit.fen_per
        if x == 0:
            top, bottom, level = value, 0.0, value
        else:
            top, bottom = level, level - value
            level -= value
        colour = {"total": CENTRAL_COLOUR, "origin": ORIGIN_COLOUR, "host": HOST_COLOUR}.get(ident, UPPER_COLOUR)
        rows.append((x, label, top, bottom, value, f"{value:,.{unit.decimals}f}", colour))
    data = pd.DataFrame(rows, columns=["order", "part", "top", "bottom", "value", "text", "colour"])
    title = render("with_unit", lang, name=render("app_amount", lang), unit=unit.label(lang))
    x = {"field": "part", "type": "nominal", "sort": {"field": "order"}, "title": None, "axis": {"labelAngle": 0}}
    spec = {
        "height": 240,
        "title": render("chart_waterfall", lang, unit=unit.label(lang)),
        "layer": [
            {
                "mark": {"type": "bar"},
                "encoding": {
                    "x": x,
                    "y": {"field": "top", "type": "quantitative", "title": title, "axis": {"format": ",.2f"}},
                    "y2": {"field": "bottom"},
                    "color": {"field": "colour", "type": "nominal", "scale": None},
                    "tooltip": [{"field": "part"}, {"field": "text", "title": title}],
                },
            },
            {
                "mark": {"type": "text", "dy": -8},
                "encoding": {"x": x, "y": {"field": "top", "type": "quantitative"}, "text": {"field": "text"}},
            },
        ],
    }
    return data, spec


def split_spec(allocation: Allocation, scenario: Scenario, lang: str, unit: Unit) -> tuple[pd.DataFrame, dict]:
    """Where each agreement's tax went over the years settled: central, each upper level, origin, host."""
    names = Names(scenario, lang)
    parts = [("central", render("step_central", lang), allocation.central.sum(axis=(1, 2)), CENTRAL_COLOUR)]
    parts += [
        (level, names.party(level), allocation.upper[..., j].sum(axis=(1, 2)), UPPER_COLOUR)
        for j, level in enumerate(allocation.upper_ids)
    ]
    parts += [
        ("origin", render("part_origin", lang), allocation.origin.sum(axis=(1, 2)), ORIGIN_COLOUR),
        ("host", render("part_host", lang), allocation.host.sum(axis=(1, 2)), HOST_COLOUR),
    ]
    rows = [
        (names.agreement(a.id), order, label, fen[i] / unit.fen_per, f"{fen[i] / unit.fen_per:,.{unit.decimals}f}")
        for i, a in enumerate(scenario.agreements)
        for order, (_, label, fen, _) in enumerate(parts)
    ]
    data = pd.DataFrame(rows, columns=["agreement", "order", "part", "value", "text"])
    title = render("with_unit", lang, name=render("app_amount", lang), unit=unit.label(lang))
    spec = {
        "height": {"step": 36},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "agreement", "type": "nominal", "title": None, "sort": None},
            "x": {
                "field": "value",
                "type": "quantitative",
                "title": title,
                "stack": "zero",
                "axis": {"format": ",.2f"},
            },
            "color": {
                "field": "part",
                "type": "nominal",
                "title": None,
                "sort": None,
                "scale": {"domain": [label for _, label, _, _ in parts], "range": [c for *_, c in parts]},
                "legend": {"orient": "top"},
            },
            "order": {"field": "order"},
            "tooltip": [{"field": "agreement"}, {"field": "part"}, {"field": "text", "title": title}],
        },
    }
    return data, spec


# ---------------------------------------------------------------- download payloads

# matplotlib's settings are process-wide (rcParams): figures are drawn and saved one at a time, whichever
# session asks, so one session's settings never leak into another's file.
_FIGURES = threading.Lock()


def figure_bytes(figure: Figure | Callable[[], Figure], fmt: str) -> bytes:
    """A chart as PNG, SVG or PDF, without timestamps. `figure` may be a function making it (drawn on demand,
    when the download button is pressed). The charts are matplotlib figures of their own (no pyplot state);
    `charts.figure_bytes` holds its lock for the one save-time setting that is process-wide."""
    from analysis.outputs.charts import figure_bytes as saved

    return saved(figure() if callable(figure) else figure, fmt)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on Chinese Windows shows the headers right; text a spreadsheet would run as a
    formula is marked as text (`csv_text`), as in every file the command line writes."""
    marked = pd.DataFrame(
        {csv_text(str(c)): [csv_text(v, str(c)) if isinstance(v, str) else v for v in table[c]] for c in table.columns}
    )
    return marked.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(title: str, table: pd.DataFrame) -> bytes:
    from analysis.outputs.workbook import write_tables

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.xlsx"
        write_tables(path, [(title[:31], table, set())])
        return path.read_bytes()


def report_bytes(comparison, lang: str = "zh") -> bytes:
    """The comparison's PDF report, made in a temporary folder."""
    from analysis.outputs.comparison_files import write_comparison

    with _FIGURES, tempfile.TemporaryDirectory() as folder:
        written = write_comparison(comparison, Path(folder) / "out", lang)
        return written["report.pdf"].read_bytes()


# ---------------------------------------------------------------- Streamlit's own texts


def uploader_css(key: str, lang: str, limit_bytes: int, types: Iterable[str]) -> str:
    """CSS that puts the file uploader's own English texts (its button, "200MB per file • CSV") in Chinese, with
    the real limit of that uploader. Streamlit offers no option for these texts; English needs none (Streamlit's
    line already shows the real limit once `max_upload_size` is set)."""
    if lang != "zh":
        return ""
    megabytes = limit_bytes / (1 << 20)
    size = f"{megabytes:g} MB"
    line = render("app_upload_limit", "zh", size=size, types="、".join(t.upper() for t in types))
    button = render("app_upload_button", "zh")
    scope = f".st-key-{key}"

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return (
        f'{scope} [data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0}}'
        f'{scope} [data-testid="stFileUploaderDropzoneInstructions"] span::after '
        f"{{content: {quoted(line)}; font-size: 0.875rem}}"
        f'{scope} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p,'
        f'{scope} [data-testid="stFileUploaderDropzone"] button span:not([data-testid]) {{font-size: 0}}'
        f'{scope} [data-testid="stFileUploaderDropzone"] button::after {{content: {quoted(button)}}}'
    )
