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

from analysis import cli
from analysis.cli import MAX_REPLICATIONS, MAX_SIMULATED_YEARS
from analysis.outputs.presentation import (
    YUAN,
    Names,
    Unit,
    View,
    figure_note,
    in_unit,
    percent_text,
    phases_text,
    tax_name,
    tick_decimals,
    total_rows,
    unit_for,
    with_total,
    with_unit,
    without_upper_note,
    yuan_words,
)
from analysis.outputs.styles import HOST_COLOUR, NEUTRAL_COLOUR, ORIGIN_COLOUR, PALETTE, UPPER_COLOUR, dashes
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
LINK_PARAMS = ("state", "lang", "r", "tab")
LINK, PAGE = "link", "page"  # the `file` of an error in a link, and of one in what the page asks
TABS = ("results", "find", "compare", "explain", "settle")
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
    tab: str | None = None  # None: the scenario's own first tab


def shown(value: object, limit: int = 40) -> str:
    """A value from outside as it may appear in a message: printable, at most `limit` characters."""
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_link(params: Mapping[str, str], scenarios: Iterable[str]) -> Link:
    """The page a link restores: each of `state`, `lang`, `r` and `tab` validated on its own, so that one bad part
    says what is wrong with it and the rest of the link still applies. Other parameters are ignored."""
    errors: list[InputError] = []
    lang = params.get("lang", "zh")
    if lang not in LANGS:
        errors.append(InputError(LINK, "lang", "link_lang", value=shown(lang)))
        lang = "zh"
    replications = DEFAULT_REPLICATIONS
    if "r" in params:
        text = params["r"]
        if re.fullmatch(r"[0-9]{1,7}", text) and 1 <= int(text) <= MAX_REPLICATIONS:
            replications = int(text)
        else:
            errors.append(
                InputError(
                    LINK, "r", "link_replications", value=shown(text), limit=MAX_REPLICATIONS, default=replications
                )
            )
    tab = params.get("tab")
    if tab is not None and tab not in TABS:
        errors.append(InputError(LINK, "tab", "link_tab", value=shown(tab)))
        tab = None  # the scenario's own first tab
    scenario, overrides = DEFAULT_SCENARIO, {}
    if "state" in params:
        try:
            scenario, overrides = decode_link(params["state"])
        except InputError as error:
            errors.append(error)
        else:
            if scenario not in set(scenarios):
                errors.append(InputError(LINK, "state", "link_scenario", value=shown(scenario)))
                scenario, overrides = DEFAULT_SCENARIO, {}
    return Link(scenario, overrides, lang, replications, tuple(errors), tab)


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
    bad = InputError(LINK, "state", "bad_link")
    if len(token) > MAX_LINK_CHARS:
        raise InputError(LINK, "state", "link_too_long", size=len(token), limit=MAX_LINK_CHARS)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise bad
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)), MAX_LINK_BYTES)
        if inflater.unconsumed_tail:
            raise InputError(LINK, "state", "link_too_long", size=len(token), limit=MAX_LINK_CHARS)
        if not inflater.eof:
            raise bad
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise InputError(LINK, "state", "link_too_deep", limit=MAX_YAML_DEPTH) from None
    except (ValueError, zlib.error, UnicodeDecodeError):
        raise bad from None
    if _depth(data) > MAX_YAML_DEPTH:
        raise InputError(LINK, "state", "link_too_deep", limit=MAX_YAML_DEPTH)
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
        return InputError(LINK, "state", "link_key", name=shown(name))

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


def check_workload(replications: int, years: int) -> None:
    """The command line's own rule (`analysis.cli.check_workload`, one place for it), its error named for the
    app: replications at most MAX_REPLICATIONS, replications × years at most MAX_SIMULATED_YEARS."""
    from types import SimpleNamespace

    try:
        cli.check_workload(SimpleNamespace(replications=replications, workers=1), years)
    except InputError as error:
        raise InputError(PAGE, None, error.key, **error.params) from None


# ---------------------------------------------------------------- the bundled catalogue


@dataclass(frozen=True)
class Entry:
    """A bundled scenario, validated once per process (a frozen model sessions may share): simulatable (it has
    a population), or for settling records only (the example), with the records shipped beside it when there
    are any."""

    id: str
    path: Path
    scenario: Scenario
    key: str | None  # its simulation key, when simulatable
    ledger: Path | None = None
    statistics: Path | None = None

    @property
    def simulatable(self) -> bool:
        return self.scenario.population is not None

    def title(self, lang: str) -> str:
        return self.scenario.name if lang == "zh" or not self.scenario.name_en else self.scenario.name_en


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
            scenario,
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


# ---------------------------------------------------------------- finding a ratio (`analysis.tuning`)

# What one session has tuned: a few agreements × shapes × confidence levels, each with replication 1 slimmed.
TUNING_ENTRIES, TUNING_BYTES = 6, 48 << 20


def tuning_cache() -> BoundedCache:
    return BoundedCache(TUNING_ENTRIES, TUNING_BYTES)


def tuned(
    cache: BoundedCache,
    scenario: Scenario,
    agreement: str,
    shape: str,
    confidence: float,
    replications: int,
    source: str,
    projection: Projection | None = None,
):
    """`analysis.tuning.tune` of one agreement (Nash as the objective; every candidate is reported), kept in the
    session's `cache` by the terms it was found for; its baseline kept as what re-splitting needs (`slim`).
    `projection` — the page's own, of this scenario — is re-split rather than simulated again."""
    from analysis.tuning import tune

    key = (scenario.sha256(), agreement, shape, confidence, replications)

    def make():
        found = tune(
            scenario,
            agreement,
            shape,
            "nash",
            confidence,
            replications,
            scenario.population.seed,
            source=source,
            baseline=projection,
        )
        return replace(found, baseline=slim(found.baseline))

    return cache.get_or_make(key, make)[0]


def tuning_png(cache: BoundedCache, found, lang: str) -> bytes:
    """The chart `ftzshare tune` writes (`tuning_files.chart`), as PNG, drawn once per tuning and language."""
    from analysis.outputs.charts import figure_bytes as saved
    from analysis.outputs.tuning_files import chart

    key = ("chart", found.scenario.sha256(), found.agreement, found.shape, found.confidence, found.replications, lang)
    return cache.get_or_make(key, lambda: saved(chart(found, lang), "png"))[0]


def in_view_unit(view: View, unit: Unit, lang: str) -> View:
    """`view` with its amounts in `unit` (headers saying so): the tab's tables and chart state one unit. Only ever
    from 万元 to 亿元 or unchanged — the grid's unit is chosen from every amount, candidates' included."""
    if view.unit == unit:
        return view
    factor = view.unit.fen_per / unit.fen_per
    renamed = {c: c.replace(view.unit.label(lang), unit.label(lang)) for c in view.money}
    table = view.table.copy()
    for column in view.money:
        table[column] = np.round(table[column].to_numpy(float) * factor, unit.decimals) + 0.0
    return replace(view, table=table.rename(columns=renamed), unit=unit, money=tuple(renamed.values()))


def candidate_options(found) -> list[str]:
    """The candidates a ratio can be taken from: those that exist, today's ratio aside."""
    return [c for c, share in found.candidates.items() if share is not None and c != "current"]


def applied_terms(scenario: Scenario, agreement: str, shape: str, share: float) -> dict:
    """The agreement's terms (as the scenario file writes them) with the candidate `share` applied in the
    tuned `shape` (`analysis.tuning.with_share`: for `flat`, one share and no sunset or cap)."""
    from analysis.tuning import with_share

    index = [a.id for a in scenario.agreements].index(agreement)
    return with_share(scenario, index, shape, share).agreements[index].model_dump(mode="json", by_alias=True)


# ---------------------------------------------------------------- what people read


def plain(text: str) -> str:
    """Text shown through Markdown (`st.error`, `st.info`) as it is: no link, emphasis, formula or HTML."""
    text = re.sub(r"([\\`*\[\]<>$~|#])", r"\\\1", text)
    return re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)


def error_text(error: InputError, lang: str) -> str:
    """The reason first, in words. A link's: with the setting inside it at fault, if any (a link's own parameters
    are not something an official wrote); a file's: which file, and where in it by the keys its author wrote
    (agreements[0].ratio…), after the reason."""
    reason = error.reason(lang)
    if error.file == LINK:
        if error.where in (None, *LINK_PARAMS):
            return plain(render("app_link_error", lang, reason=reason))
        return plain(render("app_link_error_at", lang, reason=reason, where=error.where))
    if error.file == PAGE:  # what the page itself asks of a scenario (replications): no file at fault
        return plain(render("app_error_page", lang, reason=reason))
    place = render("app_error_at", lang, file=error.file, where=error.where) if error.where else error.file
    return plain(render("app_error", lang, reason=reason, place=place))


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
    note = without_upper_note(figure_note("mean", lang, n=len(projection.outcomes)), projection.scenario, lang)
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


def explain_view(allocation: Allocation, scenario: Scenario, cell: tuple[str, int, str], lang: str, note: str) -> View:
    """The chain of one cell, from its total to the origin's and host's parts: amounts in yuan (exact to the fen),
    the ratio and where the base came from in words beside them; the note names the cell, for a file on its own."""
    from analysis.explain import explain, label

    steps = explain(allocation, scenario, *cell, "app", lang)
    step, amount, detail = (render(f"app_explain_{k}", lang) for k in ("step", "amount", "detail"))
    table = pd.DataFrame(
        {
            step: [label(s, lang) for s in steps],
            amount: [np.nan if s.fen is None else s.fen for s in steps],
            # the ratio as a percentage; where the base came from, where the stock went
            detail: [percent_text(s.detail) + "%" if s.key == "ratio" and s.detail else s.detail for s in steps],
        }
    )
    named = render("app_explain_note", lang, cell=cell_label(cell, Names(scenario, lang), lang), note=note)
    return view_of(table, [amount], YUAN, lang, named, render("app_explain_title", lang))


def terms_table(scenario: Scenario, lang: str) -> pd.DataFrame:
    """The terms an allocation applied, one row per agreement, in words."""
    from analysis.outputs.presentation import base_text, basis_name, policy_name

    names = Names(scenario, lang)
    none = render("app_none", lang)
    rows = []
    for a in scenario.agreements:
        cap, floor = a.cap.origin_cumulative_yuan, a.floor.host_yearly_yuan
        rows.append(
            {
                render("col_agreement", lang): names.agreement(a.id),
                render("app_basis", lang): basis_name(a.ratio.basis, lang),
                render("app_phases", lang): phases_text(a.ratio, lang),
                render("app_base", lang): base_text(a.base, lang),
                render("app_negative", lang): policy_name(a.negative_increment, lang),
                render("app_cap_short", lang): none if cap is None else yuan_words(cap, lang),
                render("app_floor_short", lang): none if floor is None else yuan_words(floor, lang),
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
    return view_of(table, amounts, unit, lang, figure_note("settled", lang), render("view_settled", lang))


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


# ---------------------------------------------------------------- charts for the page (SVG drawn here)
# The page's charts are SVG text made here in a millisecond and drawn by the browser at once — no charting
# library to load or run in the browser, so a ratio edit redraws them within the edit's time budget. The
# files people download (PNG, SVG, PDF) are the matplotlib charts of `analysis.outputs.charts`.

FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis ticks covering [low, high] (always including 0 when the range does)."""
    import math

    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 0:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high - step * 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


def _number(value: float, decimals: int) -> str:
    return f"{value + 0.0:,.{decimals}f}"


class _Svg:
    def __init__(self, width: float, height: float, label: str, lang: str) -> None:
        self.width, self.height, self.parts = width, height, []
        self.label, self.lang = label, lang

    def add(self, text: str) -> None:
        self.parts.append(text)

    def text(self, x: float, y: float, body: object, size: float = 12, anchor: str = "start", **style: str) -> None:
        extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in style.items())
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>{_esc(body)}</text>')

    def done(self) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
            f'width="{self.width:.0f}" height="{self.height:.0f}" style="font-family:{FONT}" role="img" '
            f'aria-label="{_esc(self.label)}"><rect width="100%" height="100%" fill="white"/>'
            + "".join(self.parts)
            + "</svg>"
        )


def _dash(k: int) -> str:
    """The k-th line's dashes (`styles.dashes`), for the page's lines 2 px wide."""
    pattern = " ".join(f"{length * 2:g}" for length in dashes(k))
    return f' stroke-dasharray="{pattern}"' if pattern else ""


def _legend(svg: _Svg, items: list[tuple[str, str]], x: float, y: float, lines: bool = False) -> None:
    """Keys in a row: swatches of colour, or for line charts (`lines`) short lines dashed as the lines are."""
    for k, (label, colour) in enumerate(items):
        if lines:
            svg.add(f'<line x1="{x:.1f}" x2="{x + 22:.1f}" y1="{y - 3:.1f}" y2="{y - 3:.1f}" stroke="{colour}" '
                    f'stroke-width="2"{_dash(k)}/>')  # fmt: skip
            x += 10
        else:
            svg.add(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="12" fill="{colour}"/>')
        svg.text(x + 17, y + 1, label, 12)
        x += 30 + 13 * len(label)


def _panel(
    svg: _Svg,
    box: tuple[float, float, float, float],
    years: np.ndarray,
    series: list[tuple[str, str, np.ndarray, np.ndarray | None, np.ndarray | None]],
    title: str,
    y_title: str,
    x_title: str,
    unit: Unit,
) -> None:
    """One line panel: each series (label, colour, values, low, high) over `years`, with axes and titles."""
    x0, y0, w, h = box
    values = np.concatenate([np.ravel(v) for _, _, mid, low, high in series for v in (mid, low, high) if v is not None])
    values = values[np.isfinite(values)]  # a design without a party in some years has no point there
    top = float(values.max()) if len(values) else 1.0
    bottom = float(values.min()) if len(values) else 0.0
    ticks = nice_ticks(bottom, top)
    lo, hi = ticks[0], ticks[-1]
    left, right, upper, lower = x0 + 64, x0 + w - 10, y0 + 26, y0 + h - 36

    def px(i: int) -> float:
        return left + (right - left) * (i / max(1, len(years) - 1))

    def py(v: float) -> float:
        return lower - (lower - upper) * ((v - lo) / (hi - lo))

    svg.text(x0 + w / 2, y0 + 14, title, 13, "middle", font_weight="600")
    for tick in ticks:
        y = py(tick)
        svg.add(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        svg.text(left - 6, y + 4, _number(tick, tick_decimals(ticks, unit.decimals)), 10, "end", fill="#444")
    every = max(1, int(np.ceil(len(years) / 8)))
    for i, year in enumerate(years):
        if i % every == 0 or i == len(years) - 1:
            svg.text(px(i), lower + 15, int(year), 10, "middle", fill="#444")
    svg.add(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{lower:.1f}" y2="{lower:.1f}" stroke="#888"/>')
    svg.text(left + (right - left) / 2, y0 + h - 4, x_title, 11, "middle", fill="#333")
    middle = (upper + lower) / 2
    svg.text(x0 + 12, middle, y_title, 11, "middle", fill="#333", transform=f"rotate(-90 {x0 + 12:.1f} {middle:.1f})")
    for k, (label, colour, mid, low, high) in enumerate(series):
        if low is not None and high is not None:
            ring = [(px(i), py(v)) for i, v in enumerate(high)] + [
                (px(i), py(v)) for i, v in reversed(list(enumerate(low)))
            ]
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in ring)
            svg.add(f'<polygon points="{points}" fill="{colour}" fill-opacity="0.15" stroke="none"/>')
        runs: list[list[str]] = [[]]
        for i, v in enumerate(mid):
            if np.isfinite(v):
                runs[-1].append(f"{px(i):.1f},{py(v):.1f}")
            elif runs[-1]:
                runs.append([])
        for run in runs:
            if run:
                line = f'points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"{_dash(k)}'
                svg.add(f"<polyline {line}/>")
        for i, v in enumerate(mid):
            if not np.isfinite(v):
                continue
            tip = f"{label} {int(years[i])}：{_number(v, unit.decimals)} {unit.label(svg.lang)}"
            svg.add(
                f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="3" fill="{colour}"><title>{_esc(tip)}</title></circle>'
            )


def receipts_svg(projection: Projection, lang: str, unit: Unit) -> str:
    """Each agreement's yearly receipts of origin and host — the median over replications with its 5–95% band when
    there are several — one small panel per agreement (three to a row)."""
    s = projection.scenario
    names = Names(s, lang)
    r = projection.receipts / unit.fen_per
    years = s.horizon.start_year + np.arange(r.shape[2])
    n = len(s.agreements)
    columns = 1 if n == 1 else min(3, n)
    rows = -(-n // columns)
    width = 860 if n == 1 else 300 * columns
    height = 280 if n == 1 else 220
    svg = _Svg(width, 34 + rows * height, render("receipts_view", lang), lang)
    parts = [(render("part_origin", lang), ORIGIN_COLOUR), (render("part_host", lang), HOST_COLOUR)]
    _legend(svg, parts, 10, 18, lines=True)
    y_title = with_unit(render("col_yearly_receipts", lang), unit, lang)
    for i, a in enumerate(s.agreements):
        series = []
        for role, column, colour in (("origin", ORIGIN, ORIGIN_COLOUR), ("host", HOST, HOST_COLOUR)):
            values = r[:, i, :, column]
            label = names.party(getattr(a, role))
            if len(values) > 1:
                low, mid, high = np.percentile(values, [5, 50, 95], axis=0)
                series.append((label, colour, mid, low, high))
            else:
                series.append((label, colour, values[0], None, None))
        box = ((i % columns) * (width / columns), 34 + (i // columns) * height, width / columns, height)
        _panel(svg, box, years, series, names.agreement(a.id), y_title, render("col_year", lang), unit)
    return svg.done()


def waterfall_svg(parts: list[tuple[str, str, int]], lang: str, unit: Unit, first: bool = False) -> str:
    """Total tax falling step by step to central, each upper level, origin and host, each bar with its amount;
    titled as replication 1's when the parts are (`first`) and the page's other figures are means."""
    values = [fen / unit.fen_per for *_, fen in parts]
    ticks = nice_ticks(0.0, max(values[0], 0.0))
    width, height = 860, 300
    left, right, upper, lower = 74, width - 10, 40, height - 40
    title = render("chart_waterfall_first" if first else "chart_waterfall", lang, unit=unit.label(lang))
    svg = _Svg(width, height, title, lang)
    svg.text(width / 2, 16, title, 13, "middle", font_weight="600")

    def py(v: float) -> float:
        return lower - (lower - upper) * (v / ticks[-1])

    for tick in ticks:
        svg.add(f'<line x1="{left}" x2="{right}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" stroke="#ddd"/>')
        svg.text(left - 6, py(tick) + 4, _number(tick, tick_decimals(ticks, unit.decimals)), 10, "end", fill="#444")
    middle = (upper + lower) / 2
    title = with_unit(render("app_amount", lang), unit, lang)
    svg.text(14, middle, title, 11, "middle", fill="#333", transform=f"rotate(-90 14 {middle:.1f})")
    slot = (right - left) / len(parts)
    level = 0.0
    for x, ((ident, label, _), value) in enumerate(zip(parts, values, strict=True)):
        top, bottom = (value, 0.0) if x == 0 else (level, level - value)
        level = value if x == 0 else level - value
        colour = {"total": NEUTRAL_COLOUR, "origin": ORIGIN_COLOUR, "host": HOST_COLOUR}.get(ident, UPPER_COLOUR)
        bx = left + x * slot + slot * 0.2
        y1, y2 = sorted((py(top), py(bottom)))
        amount = f"{_number(value, unit.decimals)} {unit.label(lang)}"
        svg.add(
            f'<rect x="{bx:.1f}" y="{y1:.1f}" width="{slot * 0.6:.1f}" height="{max(1.0, y2 - y1):.1f}" '
            f'fill="{colour}"><title>{_esc(label)}：{_esc(amount)}</title></rect>'
        )
        svg.text(bx + slot * 0.3, y1 - 5, _number(value, unit.decimals), 11, "middle")
        svg.text(bx + slot * 0.3, lower + 16, label, 11, "middle", fill="#333")
    return svg.done()


def split_svg(allocation: Allocation, scenario: Scenario, lang: str, unit: Unit) -> str:
    """Where each agreement's tax went over the years settled: central, each upper level, origin, host."""
    names = Names(scenario, lang)
    parts = [(render("step_central", lang), allocation.central.sum(axis=(1, 2)), NEUTRAL_COLOUR)]
    parts += [
        (names.party(level), allocation.upper[..., j].sum(axis=(1, 2)), UPPER_COLOUR)
        for j, level in enumerate(allocation.upper_ids)
    ]
    parts += [
        (render("part_origin", lang), allocation.origin.sum(axis=(1, 2)), ORIGIN_COLOUR),
        (render("part_host", lang), allocation.host.sum(axis=(1, 2)), HOST_COLOUR),
    ]
    if len(allocation.upper_ids) > 1:  # several upper levels: tell them apart
        parts = [
            (label, fen, PALETTE[k % len(PALETTE)] if colour == UPPER_COLOUR else colour)
            for k, (label, fen, colour) in enumerate(parts)
        ]
    totals = allocation.total.sum(axis=(1, 2)) / unit.fen_per
    ticks = nice_ticks(0.0, float(totals.max(initial=0.0)))
    labels = [names.agreement(a.id) for a in scenario.agreements]
    label_width = min(260, 14 * max((len(x) for x in labels), default=4))
    width, row = 860, 34
    left, right, upper = label_width + 16, width - 20, 40
    height = upper + row * len(labels) + 44
    title = render("app_split_chart", lang, unit=unit.label(lang))
    svg = _Svg(width, height, title, lang)
    _legend(svg, [(label, colour) for label, _, colour in parts], 10, 18)

    def px(v: float) -> float:
        return left + (right - left) * (v / ticks[-1])

    bottom = upper + row * len(labels)
    for tick in ticks:
        svg.add(f'<line x1="{px(tick):.1f}" x2="{px(tick):.1f}" y1="{upper}" y2="{bottom}" stroke="#ddd"/>')
        svg.text(px(tick), bottom + 14, _number(tick, tick_decimals(ticks, unit.decimals)), 10, "middle", fill="#444")
    svg.text((left + right) / 2, bottom + 34, with_unit(render("app_amount", lang), unit, lang), 11, "middle")
    for i, label in enumerate(labels):
        y = upper + i * row + 6
        svg.text(left - 8, y + 15, label, 11, "end")
        start = 0.0
        for name, fen, colour in parts:
            value = fen[i] / unit.fen_per
            if value <= 0:
                continue
            tip = f"{label} · {name}：{_number(value, unit.decimals)} {unit.label(lang)}"
            svg.add(
                f'<rect x="{px(start):.1f}" y="{y:.1f}" width="{px(start + value) - px(start):.1f}" '
                f'height="{row - 12}" fill="{colour}"><title>{_esc(tip)}</title></rect>'
            )
            start += value
    return svg.done()


def compare_svg(yearly: pd.DataFrame, names: dict[str, str], lang: str, unit: Unit) -> str:
    """Yearly receipts of each design, one panel for the origins and one for the hosts (fen in `yearly`, the
    comparison's yearly table), the designs named in the legend."""
    designs = list(dict.fromkeys(yearly["scenario"]))
    colours = {d: PALETTE[k % len(PALETTE)] for k, d in enumerate(designs)}
    width, height = 860, 300
    svg = _Svg(width, 40 + height, render("view_yearly", lang), lang)
    _legend(svg, [(names[d], colours[d]) for d in designs], 10, 18, lines=True)
    y_title = with_unit(render("col_yearly_receipts", lang), unit, lang)
    for k, role in enumerate(("origin", "host")):
        rows = yearly[yearly["role"] == role].groupby(["scenario", "year"], sort=False)["receipts"].sum().reset_index()
        years = np.array(sorted(set(rows["year"])))
        series = []
        for d in designs:
            got = rows[rows["scenario"] == d].set_index("year")["receipts"].reindex(years).to_numpy(float)
            series.append((names[d], colours[d], got / unit.fen_per, None, None))
        box = (k * width / 2, 40, width / 2, height)
        _panel(svg, box, years, series, render(f"role_{role}", lang), y_title, render("col_year", lang), unit)
    return svg.done()


# ---------------------------------------------------------------- download payloads


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


def xlsx_bytes(title: str, table: View | pd.DataFrame, lang: str = "zh") -> bytes:
    """A print-ready workbook of one table (`analysis.outputs.workbook`), made in memory: a people's `View` keeps
    its headers, unit and number formats; a plain table is written as it is."""
    import io

    from analysis.outputs.workbook import write_tables

    buffer = io.BytesIO()
    sheet = (title[:31], table) if isinstance(table, View) else (title[:31], table, set())
    write_tables(buffer, [sheet], title, lang=lang)
    return buffer.getvalue()


def report_bytes(comparison, lang: str = "zh") -> bytes:
    """The comparison's PDF report, made in a temporary folder."""
    from analysis.outputs.comparison_files import write_comparison

    with tempfile.TemporaryDirectory() as folder:  # removed with everything in it, whatever happens
        written = write_comparison(comparison, Path(folder) / "out", lang)
        return written["report.pdf"].read_bytes()


# ---------------------------------------------------------------- Streamlit's own texts


def uploader_css(key: str, lang: str, limit_bytes: int, types: Iterable[str]) -> str:
    """CSS that puts the file uploader's own English texts (its button, "200MB per file • CSV", and the line of a
    file it refuses, "File must be 1.0MB or smaller." / "… files are not allowed.") in Chinese, with the real limit
    of that uploader. Streamlit offers no option for these texts (`label` and `help` are the app's own; the
    limit is `max_upload_size`, capped by `server.maxUploadSize`); the hover tip of a refused file stays English.
    English needs none (Streamlit's lines already show the real limit once `max_upload_size` is set)."""
    if lang != "zh":
        return ""
    megabytes = limit_bytes / (1 << 20)
    size = f"{megabytes:g} MB"
    kinds = render("list_separator", "zh").join(t.upper() for t in types)
    line = render("app_upload_limit", "zh", size=size, types=kinds)
    refused = render("app_upload_rejected", "zh", size=size, types=kinds)
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
        f'{scope} [data-testid="stFileChip"] [role="alert"] {{font-size: 0}}'
        f'{scope} [data-testid="stFileChip"] [role="alert"]::after {{content: {quoted(refused)}; font-size: 0.75rem}}'
    )


TABLE_CLASS = "ftz-table"
# grey with transparency, so the borders and the header's shade read on the light and the dark theme alike
TABLE_CSS = (
    f".{TABLE_CLASS} {{border-collapse: collapse; width: 100%; font-size: 0.875rem; margin-bottom: 0.5rem}} "
    f".{TABLE_CLASS} th, .{TABLE_CLASS} td {{border: 1px solid rgba(128, 128, 128, 0.25); padding: 0.25rem 0.5rem; "
    "text-align: left} "
    f".{TABLE_CLASS} th {{font-weight: 600; background: rgba(128, 128, 128, 0.08)}} "
    # a wide table scrolls rather than squeezing its names to a character a line (CJK text may break anywhere)
    f".{TABLE_CLASS}-scroll {{overflow-x: auto}} "
    f".{TABLE_CLASS} td {{word-break: keep-all}} "
    f".{TABLE_CLASS} .amount {{text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap}} "
    f".{TABLE_CLASS} tr.total td {{font-weight: 600}} "
    f".{TABLE_CLASS}-title {{font-weight: 600; margin: 0 0 0.5rem}} "
    f".{TABLE_CLASS}-note {{font-size: 0.875rem; opacity: 0.6; margin: 0}}"
)


def table_html(view: View, titled: bool = False) -> str:
    """A small people's table as one HTML table (`TABLE_CSS`), with the view's title above it (`titled`) and its
    note beneath: amounts right-aligned, totals rows bold, every text escaped. One element for the browser to
    draw, where st.table draws each cell as Markdown of its own and a title and a note are two more."""
    text = view.text()
    kinds = [' class="amount"' if c in view.money else "" for c in text.columns]
    head = "".join(f"<th{k}>{_esc(c)}</th>" for c, k in zip(text.columns, kinds, strict=True))
    rows = text.to_numpy(object).tolist()
    totals = total_rows(rows)
    body = "".join(
        ('<tr class="total">' if i in totals else "<tr>")
        + "".join(f"<td{k}>{_esc(v)}</td>" for v, k in zip(row, kinds, strict=True))
        + "</tr>"
        for i, row in enumerate(rows)
    )
    title = f'<p class="{TABLE_CLASS}-title">{_esc(view.title)}</p>' if titled and view.title else ""
    note = f'<p class="{TABLE_CLASS}-note">{_esc(view.note)}</p>' if view.note else ""
    table = f'<table class="{TABLE_CLASS}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'<div>{title}<div class="{TABLE_CLASS}-scroll">{table}</div>{note}</div>'


def plain_inputs_css(key_prefix: str) -> str:
    """CSS drawing the number inputs in containers keyed `key_prefix…` as plain cells, without the −/+
    steppers and the clear button: a year and a four-decimal share then fit a narrow column (a value is sent on
    Enter or on leaving the cell; an emptied cell is blank)."""
    parts = ("stNumberInputStepUp", "stNumberInputStepDown", "stNumberInputClearButton")
    hidden = ", ".join(f'[class*="st-key-{key_prefix}"] [data-testid="{part}"]' for part in parts)
    return f"{hidden} {{display: none !important}}"
