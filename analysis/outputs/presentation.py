"""The one presentation layer: what a person reads in the app, the people's CSV/XLSX files, the workbooks,
the charts and the report.

Machine tables (`tables.py`, the DOMAIN.md §4 file contract; `comparison.plain`) keep English ids and yuan
with two decimals; everything shown to a person goes through here instead:

- **one unit per view**, chosen for the magnitude of every amount the view shows (万元, or 亿元 once the largest
  amount reaches 10 亿元), with thousands separators and fixed decimals, and stated in every header;
- **names, not ids** (scenario, party, agreement, tax, statistics rule, policy, base rule, ratio basis,
  indicator), Chinese by default and English in the English UI, all from `sim/messages.py`;
- **totals rows** and a **figure note** saying what the amounts are (median or mean over N replications,
  replication 1 with its seed, or settled from records).

A finished people's table is a `View`: display headers, numbers already in the view's unit (XLSX cells stay
numbers), `text()` for CSV/PDF/the app, `csv_bytes()` for a download. The texts are all in `sim/messages.py`
(`col_*` headings, `unit_*`, `stat_rule_*`, `policy_*`, `base_rule_*`, `app_basis_*`, `indicator_*`,
`figure_*`, `total_row`); tax names come from `sim/taxes.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.indicators import INDICATOR_NAMES
from sim.messages import MESSAGES, render
from sim.taxes import TAX_TYPES


@dataclass(frozen=True)
class Unit:
    """The unit of one view: every amount of the view is shown in it and every header states it."""

    key: str  # "wan" (万元), "yi" (亿元); "yuan" only for a single small cell (explain)
    fen_per: int
    decimals: int = 2

    def label(self, lang: str) -> str:
        return render(f"unit_{self.key}", lang)


YUAN = Unit("yuan", 100, 2)
WAN = Unit("wan", 1_000_000, 2)
YI = Unit("yi", 10_000_000_000, 2)
UNITS = {u.key: u for u in (YUAN, WAN, YI)}


def _values(fen: object) -> np.ndarray:
    """Amounts in fen as one flat float array, whatever they came as (scalar, list, array, Series, DataFrame —
    or a list of these); None and text that is not a number become NaN."""
    if isinstance(fen, pd.DataFrame | pd.Series | pd.Index):
        fen = fen.to_numpy()
    elif isinstance(fen, Iterable) and not isinstance(fen, str | bytes | np.ndarray):
        parts = [_values(part) for part in fen]
        return np.concatenate(parts) if parts else np.zeros(0)
    array = np.asarray(fen)
    if array.dtype.kind in "iufb":
        return array.astype(float).ravel()
    return np.asarray(pd.to_numeric(np.ravel(array.astype(object)), errors="coerce"), dtype=float)


def unit_for(fen: object, lang: str | None = None) -> Unit:
    """The unit of a view from every amount (fen) it shows: 亿元 when the largest |amount| is at least 10 亿元,
    else 万元. `fen` may be a scalar, an array, a Series, a DataFrame or a list of any of these."""
    values = np.abs(_values(fen))
    values = values[np.isfinite(values)]
    largest = values.max(initial=0.0)
    return YI if largest >= 10 * YI.fen_per else WAN


def in_unit(fen: object, unit: Unit) -> np.ndarray:
    """Amounts (fen) as floats in `unit`, rounded to its decimals: XLSX numeric cells and charts."""
    shape = np.shape(fen.to_numpy() if isinstance(fen, pd.Series | pd.DataFrame) else fen)
    values = _values(fen).reshape(shape)
    return np.round(values / unit.fen_per, unit.decimals) + 0.0  # + 0.0: no negative zero


def amount_text(fen: object, unit: Unit) -> np.ndarray:
    """Amounts (fen) as text in `unit`: "1,234.56", thousands separators, fixed decimals, "-" for negatives;
    a missing amount (NaN/None) is blank."""
    values = in_unit(fen, unit)
    spec = f",.{unit.decimals}f"
    out = np.array(["" if not np.isfinite(v) else format(v, spec) for v in values.ravel()], dtype=object)
    return out.reshape(values.shape)


def percent_text(share: object) -> str:
    """A share as the percentage it is, exactly: 0.6 → "60", 0.333333 → "33.3333" (shares have six decimals)."""
    from decimal import Decimal

    text = format(Decimal(str(share)) * 100, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def phases_text(ratio, lang: str) -> str:
    """An agreement's origin shares by phase, in words: "2023 年 60%，2024 年起 50%" (years since start:
    "投产第 1–3 年 70%"); a phase of one year names it once."""
    since = "_since" if ratio.basis == "years_since_start" else ""
    phases = []
    for p in ratio.schedule:
        share = percent_text(p.origin)
        kind = "_open" if p.end is None else "_one" if p.end == p.start else ""
        phases.append(render(f"terms_phase{since}{kind}", lang, start=p.start, end=p.end, share=share))
    return ("，" if lang == "zh" else ", ").join(phases)


def base_text(base, lang: str) -> str:
    """An agreement's base in words: the zero rule, or the base year's pool (grown by a yearly rate)."""
    if base.rule != "base_year":
        return base_rule_name(base.rule, lang)
    if base.growth:
        return render("step_base_year_grown", lang, year=base.year, growth=percent_text(base.growth) + "%")
    return render("step_base_year", lang, year=base.year)


def yuan_words(yuan: object, lang: str) -> str:
    """A term's amount (yuan, as a scenario writes it) in the unit its size calls for, exactly, the unit named:
    "3.00 万元", "1.234567 万元" — a term is a contract's figure, not to be rounded to the unit's decimals."""
    from decimal import Decimal

    exact = Decimal(str(yuan))
    unit = unit_for(int(exact * 100))
    shown = exact * 100 / unit.fen_per
    decimals = max(unit.decimals, -shown.normalize().as_tuple().exponent)
    return f"{shown:,.{decimals}f} {unit.label(lang)}"


def tick_decimals(values: Iterable[float], most: int) -> int:
    """As few decimals as write every axis tick exactly (a tick at 2.5 reads "2.5", never "2"), at most `most`:
    the one rule for the charts' axes and the app's."""
    values = [float(v) for v in values]
    return next(
        (
            d
            for d in range(most)
            if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 * max(1.0, abs(v * 10**d)) for v in values)
        ),
        most,
    )


def header(key: str, lang: str, unit: Unit | None = None) -> str:
    """A column heading from the catalogue (`col_<key>`, else the allocation step `step_<key>`), with the unit
    when the column holds amounts: "来源方分成（亿元）" / "origin's receipts (100m yuan)"."""
    name = render(f"col_{key}" if f"col_{key}" in MESSAGES else f"step_{key}", lang)
    return name if unit is None else with_unit(name, unit, lang)


def with_unit(name: str, unit: Unit, lang: str) -> str:
    """Any label with its unit, the way headers and axis labels state it."""
    return render("with_unit", lang, name=name, unit=unit.label(lang))


def _named(zh: str, en: str | None, lang: str) -> str:
    return zh if lang == "zh" or not en else en


class Names:
    """Names, not ids, for one scenario in one language."""

    def __init__(self, scenario, lang: str) -> None:
        self.lang = lang
        self._scenario = scenario
        self._parties = {p.id: _named(p.name, p.name_en, lang) for p in scenario.parties}
        self._parties.update({u.id: _named(u.name, u.name_en, lang) for u in scenario.tax_rules.upper_levels})
        self._agreements = {a.id: a for a in scenario.agreements}

    def party(self, id: str) -> str:
        """A party's name (FTZ area, zone, or an upper level such as the province); `central` is 中央级."""
        if id in self._parties:
            return self._parties[id]
        if id == "central":
            return render("step_central", self.lang)
        return str(id)

    def agreement(self, id: str) -> str:
        """An agreement as its two parties: "南宁片区 → 南宁协同发展区"."""
        a = self._agreements.get(id)
        if a is None:
            return str(id)
        return render("agreement_name", self.lang, origin=self.party(a.origin), host=self.party(a.host))

    def scenario(self) -> str:
        return _named(self._scenario.name, self._scenario.name_en, self.lang)


_TAX_NAMES = {t.id: (t.name, t.name_en) for t in TAX_TYPES}


def tax_name(id: str, lang: str) -> str:
    zh, en = _TAX_NAMES[id]
    return zh if lang == "zh" else en


def rule_name(id: str, lang: str) -> str:
    """A statistics rule: split / double_count / host / origin."""
    return render(f"stat_rule_{id}", lang)


def policy_name(id: str, lang: str) -> str:
    """A negative-increment policy: floor_zero / carry_forward / share."""
    return render(f"policy_{id}", lang)


def base_rule_name(id: str, lang: str) -> str:
    """A base rule: zero / base_year."""
    return render(f"base_rule_{id}", lang)


def basis_name(id: str, lang: str) -> str:
    """A ratio basis: calendar_year / years_since_start."""
    return render(f"app_basis_{id}", lang)


def indicator_name(id: str, lang: str) -> str:
    """A statistics indicator (output, value_added, …, entities)."""
    return INDICATOR_NAMES[id] if lang == "zh" else render(f"indicator_{id}", "en")


def role_name(id: str, lang: str) -> str:
    """origin / host."""
    return render(f"role_{id}", lang)


def figure_note(kind: str, lang: str, n: int | None = None, seed: int | None = None) -> str:
    """What the figures beside it are: "median" or "mean" over `n` replications, "replication" 1 of `n` with
    its `seed`, or "settled" from records."""
    if kind not in ("median", "mean", "replication", "settled"):
        raise ValueError(f"unknown figure kind {kind!r}")
    return render(f"figure_{kind}", lang, n=n, seed=seed)


def without_upper_note(note: str, scenario, lang: str) -> str:
    """`note` for a table of central's, the origin's and the host's parts, saying that the upper levels' parts
    (自治区本级…) are left out, so nobody adds its rows up to the tax (when the scenario has upper levels)."""
    levels = [_named(u.name, u.name_en, lang) for u in scenario.tax_rules.upper_levels]
    if not levels:
        return note
    left_out = render("note_without_upper", lang, names=render("list_separator", lang).join(levels))
    return render("chart_note_join", lang).join(filter(None, (note, left_out)))


def with_total(table: pd.DataFrame, label_column: str, sum_columns: list[str], lang: str) -> pd.DataFrame:
    """`table` with a 合计 / Total row appended: `label_column` says so, each of `sum_columns` holds its column's
    sum (exact for integer fen), the other columns are blank. Apply it before formatting amounts."""
    row: dict[str, object] = {c: None for c in table.columns}
    row[label_column] = render("total_row", lang)
    for column in sum_columns:
        values = table[column]
        row[column] = values.sum() if pd.api.types.is_numeric_dtype(values) else pd.to_numeric(values).sum()
    total = pd.DataFrame([row], columns=table.columns)
    out = pd.concat([table, total.astype({c: table[c].dtype for c in sum_columns}, errors="ignore")])
    return out.reset_index(drop=True)


TOTAL_LANGUAGES = {render("total_row", lang): lang for lang in ("zh", "en")}  # 合计 → zh, Total → en
TOTAL_LABELS = frozenset(TOTAL_LANGUAGES)


def total_rows(rows: Iterable[Iterable[object]]) -> set[int]:
    """The rows (by position) that are totals: a cell says 合计 / Total (`with_total`)."""
    return {i for i, row in enumerate(rows) if any(isinstance(v, str) and v in TOTAL_LABELS for v in row)}


@dataclass(frozen=True)
class View:
    """A table for people: display headers (units stated in them), names not ids, totals rows, and what the
    figures are. Amount columns (`money`, by header) hold numbers already in `unit` (rounded to its decimals;
    NaN where blank) so an XLSX cell stays a number; `text()` gives them as "1,234.56" for CSV, PDF and the app.
    `row_decimals` overrides the decimals row by row (whole-number counts beside amounts)."""

    table: pd.DataFrame
    unit: Unit | None
    money: tuple[str, ...]
    note: str
    title: str = ""
    row_decimals: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        """A view whose shown rows do not add up to a shown total says why (`rounded_apart`); a view made from
        another (a copy in another unit) says it only if it is still so."""
        lang = self._total_language()
        if lang is None:
            return
        join, said = render("chart_note_join", lang), render("note_rounding", lang)
        note = self.note.replace(join + said, "").replace(said, "")
        if rounded_apart(self):
            note = join.join(filter(None, (note, said)))
        object.__setattr__(self, "note", note)

    def _total_language(self) -> str | None:
        """The language of the view's 合计 / Total rows (None without one)."""
        for column in self.table.columns:
            if column not in self.money:
                found = set(self.table[column][self.table[column].isin(TOTAL_LABELS)])
                if found:
                    return TOTAL_LANGUAGES[found.pop()]
        return None

    def decimals(self) -> tuple[int, ...]:
        """Each row's decimals: `row_decimals`, else the unit's."""
        return self.row_decimals or (self.unit.decimals if self.unit else 2,) * len(self.table)

    def text(self) -> pd.DataFrame:
        out = self.table.copy()
        for column in self.money:
            values = pd.to_numeric(out[column], errors="coerce").to_numpy(float)
            decimals = self.decimals()
            out[column] = [
                "" if not np.isfinite(v) else format(v + 0.0, f",.{d}f") for v, d in zip(values, decimals, strict=True)
            ]
        for column in out.columns:
            if column not in self.money:
                out[column] = ["" if _blank(v) else str(v) for v in out[column]]
        return out

    def csv_bytes(self) -> bytes:
        """The people's CSV: UTF-8 with BOM (Excel on Chinese Windows shows the headers right), CRLF, the note
        as the last line; text a spreadsheet would run as a formula is marked as text (`tables.csv_text`)."""
        from analysis.outputs.tables import csv_text

        text = self.text()
        marked = pd.DataFrame(
            {csv_text(str(c)): (text[c] if c in self.money else [csv_text(v) for v in text[c]]) for c in text.columns}
        )
        body = marked.to_csv(index=False, lineterminator="\r\n")
        if self.note:
            note = pd.DataFrame([[csv_text(self.note), *[""] * (len(text.columns) - 1)]])
            body += note.to_csv(index=False, header=False, lineterminator="\r\n")
        return body.encode("utf-8-sig")


def rounded_apart(view: View) -> bool:
    """Do some rows, each rounded to the view's decimals, add up to their total row's rounded amount only to
    within that rounding (a last digit off)? A total row covers the rows since the previous one (`with_total`,
    a 合计 row per agreement or design); a total further off than its rows' rounding is not their sum (a
    range's bound) and is left be."""
    totals = sorted(total_rows(view.table.itertuples(index=False)))
    decimals = view.decimals()
    for column in view.money:
        values = pd.to_numeric(view.table[column], errors="coerce").to_numpy(float)
        first = 0
        for total in totals:
            rows, first = range(first, total), total + 1
            if not rows or not np.isfinite(values[[*rows, total]]).all():
                continue
            ulp = 10.0 ** -max(decimals[i] for i in [*rows, total])
            apart = abs(values[list(rows)].sum() - values[total])
            if ulp / 2 <= apart <= (len(rows) + 1) * ulp / 2:
                return True
    return False


def _blank(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def yes_no(value: object, lang: str) -> str:
    """是 / 否 (blank when unknown)."""
    return "" if _blank(value) else render("yes" if value else "no", lang)
