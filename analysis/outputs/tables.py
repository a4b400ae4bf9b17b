"""Allocation results as tables: the file contract of DOMAIN.md §4, in yuan with two decimals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sim.indicators import COUNT_INDICATORS, INDICATORS
from sim.ledger import Ledger, StatisticsRecords
from sim.scenario import Scenario
from sim.scenario.uncertainty import parameter_names
from sim.sharing.by_entity import EntityAllocation
from sim.sharing.fiscal import FiscalBalance
from sim.sharing.split import DETAIL_FIELDS, Allocation
from sim.sharing.statistics import RULES, StatisticsAllocation
from sim.taxes import TAX_IDS

if TYPE_CHECKING:  # the model (simpy and all) is imported by the tables of a run only, not by `settle`
    from sim.model.simulation import Simulation


def format_yuan(fen: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """int64 fen (one dimension) → yuan text with exactly two decimals ("-12.05"), as `sim.money.format_yuan`
    writes it, about ten times faster: the fen are read as Arrow decimals of scale 2 (the same 16 bytes,
    sign-extended) and Arrow prints them. The text stays in Arrow memory (pandas' `str` column), so `write_csv`
    hands it back to Arrow's writer without converting a million Python strings."""
    return _yuan_arrow(fen).to_pandas().array


def _yuan_arrow(fen: np.ndarray, shown: np.ndarray | None = None) -> pa.Array:
    """As `format_yuan`, in Arrow memory; where `shown` is False, null (an empty CSV cell)."""
    fen = np.ascontiguousarray(fen, dtype=np.int64).ravel()
    wide = np.empty((len(fen), 2), np.int64)  # little-endian int128: the value, then its sign
    wide[:, 0] = fen
    wide[:, 1] = fen >> 63
    valid = None if shown is None else pa.array(np.asarray(shown, bool).ravel()).buffers()[1]
    decimals = pa.Array.from_buffers(pa.decimal128(38, 2), len(fen), [valid, pa.py_buffer(wide)])
    return pc.cast(decimals, pa.string())


def _count_or_yuan(counts: np.ndarray, values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Whole numbers where `counts` (employment, entities), yuan text elsewhere."""
    whole = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.if_else(pa.array(counts, pa.bool_()), whole, _yuan_arrow(values)).to_pandas().array


def _cells(allocation: Allocation, scenario: Scenario) -> tuple[tuple[np.ndarray, ...], pd.DataFrame]:
    index = np.nonzero(allocation.rows)
    keys = pd.DataFrame(
        {
            "agreement": np.array([a.id for a in scenario.agreements], dtype=object)[index[0]],
            "year": allocation.years[index[1]],
            "tax_type": np.array(TAX_IDS, dtype=object)[index[2]],
        }
    )
    return index, keys


def allocation_table(allocation: Allocation, scenario: Scenario, numeric: bool = False) -> pd.DataFrame:
    """agreement, year, tax_type, total, central, each upper level, origin, host — nothing else."""
    index, table = _cells(allocation, scenario)
    money = (lambda v: v) if numeric else format_yuan
    table["total"] = money(allocation.total[index])
    table["central"] = money(allocation.central[index])
    for j, level in enumerate(allocation.upper_ids):
        table[level] = money(allocation.upper[..., j][index])
    table["origin"] = money(allocation.origin[index])
    table["host"] = money(allocation.host[index])
    return table


def detail_table(allocation: Allocation, scenario: Scenario, numeric: bool = False) -> pd.DataFrame:
    """The allocation with every intermediate step: what `explain` and auditors read. `numeric`: fen as
    integers, the ratio as a number (NaN where nothing was split), the base year as an integer or None."""
    index, _ = _cells(allocation, scenario)
    table = allocation_table(allocation, scenario, numeric)
    for name in DETAIL_FIELDS:
        values = getattr(allocation, name)[index]
        table[name] = values if numeric else format_yuan(values)
    ratio = allocation.ratio[index]
    if numeric:
        table["ratio"] = ratio
    else:
        table["ratio"] = np.where(np.isnan(ratio), "", np.char.mod("%.6f", np.nan_to_num(ratio)))
    # the year whose pool is the base (blank under the zero rule): never another year's pool
    base = [a.base.year if a.base.rule == "base_year" else None for a in scenario.agreements]
    base_years = np.array([("" if y is None else str(y)) if not numeric else y for y in base], object)
    table.insert(table.columns.get_loc("base") + 1, "base_year", base_years[index[0]])
    return table


def entity_table(entities: EntityAllocation, scenario: Scenario, upper_ids: tuple[str, ...]) -> pd.DataFrame:
    """One row per agreement, entity, year and tax, sorted so; built and sorted in Arrow (a million rows in a
    fraction of a second), handed over as pandas `str` columns that stay in Arrow memory."""
    agreements = pa.array([a.id for a in scenario.agreements], pa.string())
    columns = {
        "agreement": agreements.take(pa.array(entities.agreement, pa.int64())),
        "entity_id": pa.array(entities.entity_id, pa.string()),
        "year": pa.array(entities.year, pa.int64()),
        "tax_type": pa.array(TAX_IDS, pa.string()).take(pa.array(entities.tax, pa.int64())),
        "total": _yuan_arrow(entities.total),
        "central": _yuan_arrow(entities.central),
    }
    for j, level in enumerate(upper_ids):
        columns[level] = _yuan_arrow(entities.upper[:, j])
    columns["origin"] = _yuan_arrow(entities.origin)
    columns["host"] = _yuan_arrow(entities.host)
    table = pa.table(columns)
    keys = [(k, "ascending") for k in ("agreement", "entity_id", "year", "tax_type")]
    table = table.take(pc.sort_indices(table, sort_keys=keys))  # stable, byte order = Python's str order
    return table.to_pandas()


def statistics_table(stats: StatisticsAllocation, scenario: Scenario, numeric: bool = False) -> pd.DataFrame:
    """`numeric`: money indicators in fen and counts as they are, integers (the workbook scales them)."""
    counts = np.isin(stats.indicator, [INDICATORS.index(c) for c in COUNT_INDICATORS])

    def shown(values: np.ndarray) -> object:
        return np.asarray(values, np.int64) if numeric else _count_or_yuan(counts, values)

    return pd.DataFrame(
        {
            "agreement": np.array([a.id for a in scenario.agreements], dtype=object)[stats.agreement],
            "year": stats.year,
            "indicator": np.array(INDICATORS, dtype=object)[stats.indicator],
            "rule": np.array(RULES, dtype=object)[stats.rule],
            "total": shown(stats.total),
            "origin": shown(stats.origin),
            "host": shown(stats.host),
        }
    )


def balance_table(
    balance: FiscalBalance, scenario: Scenario, allocation: Allocation, numeric: bool = False
) -> pd.DataFrame:
    """Per agreement, year and party: receipts, reward, cost, net — for years with anything in them."""
    rows = []
    for a_index, a in enumerate(scenario.agreements):
        active = allocation.rows[a_index].any(axis=1) | (balance.cost[a_index] != 0).any(axis=1)
        active |= (balance.reward[a_index] != 0).any(axis=1) | (balance.compensation[a_index] != 0).any(axis=1)
        for y in np.flatnonzero(active):
            for p, party in enumerate((a.origin, a.host)):
                rows.append((a.id, int(balance.years[y]), ("origin", "host")[p], party, a_index, y, p))
    table = pd.DataFrame(rows, columns=["agreement", "year", "role", "party", "_a", "_y", "_p"])
    at = tuple(table[c].to_numpy(np.int64) for c in ("_a", "_y", "_p"))  # int even when there are no rows
    for name in ("receipts", "reward", "compensation", "cost", "net"):
        values = getattr(balance, name)[at]
        table[name] = values if numeric else format_yuan(values)
    return table.drop(columns=["_a", "_y", "_p"])


def party_totals(allocation: Allocation) -> dict[str, int]:
    """Fen per party over the whole allocation: the figures summary.json records."""
    totals = {"total": int(allocation.total.sum()), "central": int(allocation.central.sum())}
    for j, level in enumerate(allocation.upper_ids):
        totals[level] = int(allocation.upper[..., j].sum())
    totals["origin"] = int(allocation.origin.sum())
    totals["host"] = int(allocation.host.sum())
    return totals


# ---------------------------------------------------------------- text a spreadsheet must not run
# A cell starting with = + - @ tab or CR is read by Excel and LibreOffice as a formula (CSV injection, OWASP). Names,
# ids and notes come from users' files, so such values are marked as text: in CSV with a leading single quote (the
# OWASP convention), in XLSX as a string cell with Excel's quote prefix (analysis.outputs.workbook). Numbers we write
# (`-12.05`) stay numbers, except in the columns that hold names and ids, where `-1` is an id and stays text too.
FORMULA_START = "=+-@\t\r"
FORMULA_PATTERN = r"^[=+\-@\t\r]"
NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
TEXT_COLUMNS = frozenset(
    {
        "entity_id",
        "agreement",
        "origin_area",
        "zone",
        "party",
        "party_name",
        "origin_party",
        "host_party",
        "scenario",
        "name",
        "name_en",
        "description",
        "note",
        "notes",
        "label",
        "file",
        "industry",
    }
)
_NUMBER = re.compile(NUMBER_PATTERN)


def needs_text_mark(value: object, column: str | None = None) -> bool:
    """Would a spreadsheet take this value for a formula? (`column` None: a header or a free text, always text.)"""
    if not isinstance(value, str) or not value or value[0] not in FORMULA_START:
        return False
    return column is None or column in TEXT_COLUMNS or _NUMBER.fullmatch(value) is None


def csv_text(value: str, column: str | None = None) -> str:
    """The value as written to CSV: a leading `'` where a spreadsheet would run it."""
    return "'" + value if needs_text_mark(value, column) else value


def _csv_column(array: pa.ChunkedArray, column: str) -> pa.ChunkedArray:
    """`csv_text` over a whole column, vectorised (a million-row ledger has mostly harmless values): the first
    byte of every value is read straight from Arrow's buffers; only the values starting with one of
    `FORMULA_START` are searched further (`NUMBER_PATTERN`, for columns that are not ids or names: a negative
    amount stays a number), and a column none of whose values needs the mark is returned as it is."""
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return array  # numbers, dates, booleans: written as such
    marked = np.concatenate([_formula_start(chunk) for chunk in array.chunks] or [np.zeros(0, bool)])
    if column not in TEXT_COLUMNS and marked.any():
        starting = np.flatnonzero(marked)
        numbers = pc.match_substring_regex(array.take(pa.array(starting)), NUMBER_PATTERN)
        marked[starting[numbers.to_numpy(zero_copy_only=False)]] = False
    if not marked.any():
        return array
    quote, empty = pa.scalar("'", array.type), pa.scalar("", array.type)
    return pc.if_else(pa.array(marked), pc.binary_join_element_wise(quote, array, empty), array)


_FORMULA_BYTES = np.frombuffer(FORMULA_START.encode(), np.uint8)  # all ASCII: one byte each in UTF-8


def _formula_start(chunk: pa.Array) -> np.ndarray:
    """Which values of a string array start with a character of `FORMULA_START` (nulls: none)."""
    n = len(chunk)
    if n == 0:
        return np.zeros(0, bool)
    _, offsets_buffer, data_buffer = chunk.buffers()
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, width, count=n + 1, offset=chunk.offset * np.dtype(width).itemsize)
    starts, lengths = offsets[:-1], np.diff(offsets)
    first = np.zeros(n, np.uint8)
    if data_buffer is not None:
        data = np.frombuffer(data_buffer, np.uint8)
        some = lengths > 0
        first[some] = data[starts[some]]
    out = np.isin(first, _FORMULA_BYTES)
    if chunk.null_count:
        out &= chunk.is_valid().to_numpy(zero_copy_only=False)
    return out


def _csv_header(columns: pd.Index) -> bytes:
    cells = []
    for name in map(str, columns):
        name = csv_text(name)
        if any(c in name for c in ',"\r\n'):
            name = '"' + name.replace('"', '""') + '"'
        cells.append(name)
    return (",".join(cells) + "\n").encode()


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """UTF-8, LF, unquoted unless a value needs quotes; Arrow's writer keeps million-row files to about a second.
    Text a spreadsheet would run as a formula gets a leading `'` (`csv_text`); numbers stay numbers."""
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = pa.table(
        [_csv_column(arrow.column(i), str(name)) for i, name in enumerate(table.columns)],
        names=[str(n) for n in arrow.column_names],
    )
    for quoting in ("none", "needed"):  # "none" fails when a value holds a comma, quote or newline
        try:
            with path.open("wb") as handle:
                handle.write(_csv_header(table.columns))
                options = pacsv.WriteOptions(include_header=False, quoting_style=quoting)
                pacsv.write_csv(arrow, handle, write_options=options)
            return
        except pa.ArrowInvalid:
            continue


def _ids(scenario: Scenario, index: np.ndarray, role: str) -> pa.Array:
    return _taken([getattr(a, role) for a in scenario.agreements], index)


def _taken(texts: object, index: np.ndarray) -> pa.Array:
    """texts[index] as an Arrow string array: no Python string per row."""
    return pa.array(texts, pa.string()).take(pa.array(np.asarray(index, np.int64)))


def _frame(columns: dict[str, object]) -> pd.DataFrame:
    """Columns (Arrow or numpy) as a DataFrame whose text stays in Arrow memory for `write_csv`."""
    return pa.table({k: v if isinstance(v, pa.Array) else pa.array(v) for k, v in columns.items()}).to_pandas()


def ledger_table(ledger: Ledger, scenario: Scenario) -> pd.DataFrame:
    """A ledger in the input format of DOMAIN.md §4, so a simulated ledger can be settled like a real one."""
    month = pc.cast(pa.array(ledger.month, mask=ledger.month <= 0), pa.string())  # null: an empty cell
    return _frame(
        {
            "entity_id": _taken(ledger.entity_ids, ledger.entity),
            "origin_area": _ids(scenario, ledger.agreement, "origin"),
            "zone": _ids(scenario, ledger.agreement, "host"),
            "year": ledger.year,
            "month": month,
            "tax_type": _taken(TAX_IDS, ledger.tax),
            "amount": _yuan_arrow(ledger.amount),
            "central": _yuan_arrow(ledger.central, ledger.has_central),
            "start_year": ledger.start_year,
        }
    )


def records_table(records: StatisticsRecords, scenario: Scenario) -> pd.DataFrame:
    """Statistics records in the statistics-file format (money in yuan, counts whole)."""
    counts = np.isin(records.indicator, [INDICATORS.index(c) for c in COUNT_INDICATORS])
    whole = pc.cast(pa.array(np.asarray(records.value, np.int64)), pa.string())
    return _frame(
        {
            "entity_id": pa.array(records.entity, pa.string()),
            "origin_area": _ids(scenario, records.agreement, "origin"),
            "zone": _ids(scenario, records.agreement, "host"),
            "year": records.year,
            "indicator": _taken(INDICATORS, records.indicator),
            "value": pc.if_else(pa.array(counts, pa.bool_()), whole, _yuan_arrow(records.value)),
        }
    )


def _month_text(first_year: int, months: np.ndarray) -> np.ndarray:
    whole = np.floor(months).astype(np.int64)
    return np.char.add(
        np.char.add((first_year + whole // 12).astype(str), "-"), np.char.zfill((whole % 12 + 1).astype(str), 2)
    )


def events_table(simulation: Simulation) -> pd.DataFrame:
    """The model's events in time order; `land_ha` for land requests and exits, `investment_yuan` on landing."""
    from sim.model.entities import entity_ids

    s = simulation.scenario
    columns = ["month", "event", "entity_id", "agreement", "land_ha", "investment_yuan"]
    if not simulation.events:
        return pd.DataFrame(columns=columns)
    month, kind, entity, agreement, value = (np.array(c) for c in zip(*simulation.events, strict=True))
    order = np.lexsort((entity, month))
    month, kind, entity, agreement, value = (x[order] for x in (month, kind, entity, agreement, value))
    agreement_ids = np.array([a.id for a in s.agreements] + [""], dtype=object)  # −1: no zone open
    value = value.astype(float)
    landing = kind == "land_granted"
    return pd.DataFrame(
        {
            "month": _month_text(s.horizon.start_year, month),
            "event": kind,
            "entity_id": np.where(entity >= 0, entity_ids(np.maximum(entity, 0)), ""),
            "agreement": agreement_ids[agreement],
            "land_ha": np.where(landing | (value == 0), "", np.char.mod("%.2f", value)),
            "investment_yuan": np.where(landing, format_yuan(np.rint(value * 100).astype(np.int64)), ""),
        },
        columns=columns,
    )


def projects_table(simulation: Simulation) -> pd.DataFrame:
    """Each reinvestment attempt: when it asked for land, whether and when it got it, how long it waited."""
    from sim.model.entities import entity_ids
    from sim.model.simulation import NEVER

    s, p = simulation.scenario, simulation.projects
    landed = p["landed"] < NEVER
    agreement_ids = np.array([a.id for a in s.agreements] + [""], dtype=object)  # −1: no zone open
    return pd.DataFrame(
        {
            "entity_id": entity_ids(p["entity"]),
            "agreement": agreement_ids[p["agreement"].astype(np.int64)],
            "industry": np.array([i.id for i in s.population.industries], dtype=object)[
                simulation.entities.industry[p["entity"].astype(np.int64)]
            ],
            "requested": _month_text(s.horizon.start_year, p["requested"]),
            "outcome": p["outcome"],
            "landed": np.where(landed, _month_text(s.horizon.start_year, np.where(landed, p["landed"], 0)), ""),
            "wait_months": np.where(landed, (p["landed"] - p["requested"]).astype(np.int64).astype(str), ""),
            "exit": np.where(
                p["exit"] < 12 * s.horizon.years, _month_text(s.horizon.start_year, np.minimum(p["exit"], 10**6)), ""
            ),
        }
    )


def assessment_table(simulation: Simulation) -> pd.DataFrame:
    s = simulation.scenario
    rows = []
    for record in simulation.assessments:
        row = {"agreement": s.agreements[record.agreement].id, "year": record.year}
        for name in s.assessment.indicators:
            growth = record.verdict.growth[name]
            row[name] = f"{record.indicators.get(name, 0.0):.2f}"
            row[f"{name}_growth"] = "" if growth is None else f"{growth:.6f}"
        row.update(
            awards=record.awards,
            points=f"{record.verdict.points:.4f}",
            passed=record.verdict.passed,
            revoked=simulation.revoked.get(record.agreement) == record.year,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def replications_table(receipts: np.ndarray, scenario: Scenario) -> pd.DataFrame:
    """Yearly receipts and net fiscal benefit of every replication (columns of `analysis.projection`)."""
    r, a, y = np.meshgrid(*(np.arange(n) for n in receipts.shape[:3]), indexing="ij")
    return pd.DataFrame(
        {
            "replication": r.ravel() + 1,
            "agreement": np.array([x.id for x in scenario.agreements], dtype=object)[a.ravel()],
            "year": scenario.horizon.start_year + y.ravel(),
            "central": format_yuan(receipts[..., 0].ravel()),
            "origin": format_yuan(receipts[..., 1].ravel()),
            "host": format_yuan(receipts[..., 2].ravel()),
            "origin_net_benefit": format_yuan(receipts[..., 3].ravel()),
            "host_net_benefit": format_yuan(receipts[..., 4].ravel()),
        }
    )


def gains_table(gains, holders: list[str], years: np.ndarray) -> pd.DataFrame:
    """gains.csv: per holder (then `region`, their sum) and year, yuan with two decimals — receipts with and
    without the agreements (means over replications, each rounded to the fen) and the gain (their difference,
    exactly), then the gain's 5th and 95th percentiles. `gains` is an `analysis.risk.GainFigures`."""
    parties = [*holders, "region"]
    n_years = len(years)
    return pd.DataFrame(
        {
            "party": np.repeat(np.array(parties, dtype=object), n_years),
            "year": np.tile(np.asarray(years, np.int64), len(parties)),
            **{
                name: format_yuan(np.asarray(getattr(gains, name), np.int64).ravel())
                for name in ("with_agreement", "without_agreement", "gain", "gain_p5", "gain_p95")
            },
        }
    )


def parameters_table(scenario: Scenario, draws: list[dict[str, float]]) -> pd.DataFrame:
    """`parameters.csv` of a run: `replication` (from 1), then one column per uncertain parameter's key path,
    each replication's draw."""
    names = parameter_names(scenario)
    table = pd.DataFrame({"replication": np.arange(1, len(draws) + 1)})
    for name in names:
        table[name] = [d[name] for d in draws]
    return table
