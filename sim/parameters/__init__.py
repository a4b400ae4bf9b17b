"""Parameters as data: national tax rules and the model's defaults, each with its label, unit and source.

The YAML files beside this module hold one entry per parameter, in folders that mirror the institutions
(OpenFisca / PolicyEngine style):

    national.yaml   the law in force: central : local shares (DOMAIN.md §2), CIT rates, surcharge rates
    model.yaml      the simulation's default assumptions, almost all "illustrative"

Each parameter is a mapping with `label` (Chinese), `label_en`, `unit`, `reference` (a document number such as
财预〔2015〕92号, a seed section such as `seeds/000 §二(二)`, `DOMAIN.md §2`, or the word `illustrative`; one or a
list), optional `note`, and `values`: dates → value, in order, each value in force from its date until the
next. A path names a parameter by file and keys: `national.cit_rate.small_micro`.

Importing this module reads nothing and imports no YAML library: the files are parsed on first use (cached),
so the sharing core, which imports `sim.taxes`, stays free of I/O libraries at import time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

Value = Decimal | int | bool
UNITS = frozenset(
    {"share", "yuan", "yuan/ha", "yuan/m2", "yuan/year", "months", "per year", "elasticity", "persons", "ha"}
)
# What a reference may be: a document number (〔year〕number 号, or 公告/令 …第N号), a seed section, a section of
# DOMAIN.md, or the honest word for an assumption.
REFERENCE = re.compile(r"(〔\d{4}〕\d+号|第\d+号)|^seeds/\d{3} §\S+|^DOMAIN\.md §\d|^illustrative$")


@dataclass(frozen=True)
class Parameter:
    path: str
    label: str
    label_en: str
    unit: str
    reference: tuple[str, ...]
    values: tuple[tuple[dt.date, Value], ...]  # in date order; each in force until the next
    note: str | None = None

    def at(self, when: dt.date | int) -> Value:
        """The value in force on `when` (a year means its 1 January)."""
        day = dt.date(when, 1, 1) if isinstance(when, int) else when
        found = None
        for start, value in self.values:
            if start > day:
                break
            found = (start, value)
        if found is None:
            raise LookupError(f"{self.path}: no value before {self.values[0][0]} (asked for {day})")
        return found[1]

    @property
    def first_year(self) -> int:
        return self.values[0][0].year

    def by_month(self, start_year: int, months: int) -> list[float]:
        """The value in force on the first day of each month from January of `start_year`; months before the
        first date take the first value (the model does not reach back before a rule existed)."""
        first = self.values[0][0]
        days = (dt.date(start_year + m // 12, m % 12 + 1, 1) for m in range(months))
        return [float(self.at(max(day, first))) for day in days]

    @property
    def latest(self) -> Value:
        """The last dated value: the rule as it stands with no further change scheduled."""
        return self.values[-1][1]

    def default(self) -> float | int | bool:
        """The latest value as a model field default: exact decimals become floats, whole numbers stay ints."""
        value = self.latest
        return float(value) if isinstance(value, Decimal) else value


def parameter(path: str) -> Parameter:
    """The parameter at `path` ("national.central_share.vat"); KeyError names a path that does not exist."""
    try:
        return _all()[path]
    except KeyError:
        raise KeyError(f"no parameter {path!r}") from None


def value_at(path: str, when: dt.date | int) -> Value:
    """The value of `path` in force on `when` (a date, or a year: its 1 January)."""
    return parameter(path).at(when)


def default(path: str):
    """A zero-argument function giving the parameter's latest value: for `Field(default_factory=...)`."""
    return lambda: parameter(path).default()


def all_parameters() -> dict[str, Parameter]:
    """Every parameter of every data file, by path."""
    return dict(_all())


@functools.cache
def _all() -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            tree = _parse(entry.read_text(encoding="utf-8"), entry.name)
            _collect(tree, entry.name.removesuffix(".yaml"), out)
    return out


def _parse(text: str, name: str) -> Any:
    import yaml  # lazily: importing the core must not import YAML

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser where PyYAML has it
        """Exact decimals for numbers with a point, and no silently repeated keys."""

    def decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
        return Decimal(loader.construct_scalar(node).replace("_", ""))

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        seen: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise ValueError(f"{name}: line {key_node.start_mark.line + 1}: duplicate key {key!r}")
            seen[key] = loader.construct_object(value_node, deep=True)
        return seen

    Loader.add_constructor("tag:yaml.org,2002:float", decimal)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass


def _collect(node: Any, path: str, out: dict[str, Parameter]) -> None:
    if not isinstance(node, dict):
        raise ValueError(f"{path}: expected a mapping")
    if "values" not in node:
        for key, child in node.items():
            _collect(child, f"{path}.{key}", out)
        return
    unknown = set(node) - {"label", "label_en", "unit", "reference", "values", "note"}
    missing = {"label", "label_en", "unit", "reference"} - set(node)
    if unknown or missing:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    values = node["values"]
    if not isinstance(values, dict) or not values:
        raise ValueError(f"{path}: values must map dates to values")
    dates = list(values)
    if not all(type(d) is dt.date for d in dates) or dates != sorted(dates):
        raise ValueError(f"{path}: value dates must be YYYY-MM-DD, in order")
    for value in values.values():
        if isinstance(value, float) or not isinstance(value, Decimal | int):
            raise ValueError(f"{path}: value {value!r} is not a number")
    reference = node["reference"]
    out[path] = Parameter(
        path=path,
        label=node["label"],
        label_en=node["label_en"],
        unit=node["unit"],
        reference=tuple(reference) if isinstance(reference, list) else (reference,),
        values=tuple(values.items()),
        note=node.get("note"),
    )
