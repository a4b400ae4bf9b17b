"""The scenario file (ftzshare/v1): schema, national defaults and the checks that span fields.

A scenario is validated whole before anything uses it. Every error names the file and the key
path (`agreements[0].ratio.schedule[1].origin`) and says why in Chinese and English.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from sim.apportion import PPM
from sim.errors import InputError
from sim.messages import MESSAGES
from sim.population_params import Behavior, Population
from sim.schema_types import (
    INDICATOR_NAMES,
    INDICATORS,
    Ident,
    Indicator,
    Share,
    Strict,
    TaxId,
    Year,
    Yuan,
    fen,
    ppm,
)
from sim.taxes import TAX_IDS, TAX_TYPES
from sim.variants import resolve_variant

__all__ = [  # the schema's public names, wherever they are defined
    "INDICATORS",
    "INDICATOR_NAMES",
    "Agreement",
    "Assessment",
    "Scenario",
    "fen",
    "ppm",
    "load_scenario",
    "scenario_data",
    "read_yaml",
    "scenario_from_data",
]

MAX_SCENARIO_BYTES = 1 << 20  # a scenario is a page of YAML; a megabyte is plenty and bounds parsing


class Horizon(Strict):
    start_year: Year
    years: int = Field(ge=1, le=100)

    @property
    def end_year(self) -> int:
        return self.start_year + self.years - 1


class UpperLevel(Strict):
    id: Ident
    name: str
    name_en: str | None = None
    share: dict[TaxId, Share] = {}


class TaxRules(Strict):
    central_share: dict[TaxId, Share] = {}
    upper_levels: list[UpperLevel] = []
    local_cit_exemption_years: int = Field(default=0, ge=0, le=50)

    def central_ppm(self, tax: str) -> int:
        """The scenario's central share of `tax`, or the national default (DOMAIN.md §2)."""
        if tax in self.central_share:
            return ppm(self.central_share[tax])
        return int(Decimal(next(t.central_share for t in TAX_TYPES if t.id == tax)) * PPM)

    def central_ppm_by_tax(self) -> np.ndarray:
        """[tax] central shares in millionths, in TAX_IDS order."""
        return np.array([self.central_ppm(t) for t in TAX_IDS], np.int64)

    def local_split_ppm_by_tax(self) -> np.ndarray:
        """[tax, each upper level then the pool]: how the local part divides, in millionths (rows sum to PPM)."""
        shares = [[ppm(u.share.get(t, 0)) for u in self.upper_levels] for t in TAX_IDS]
        upper = np.array(shares, np.int64).reshape(len(TAX_IDS), len(self.upper_levels))
        return np.concatenate([upper, PPM - upper.sum(axis=1, keepdims=True)], axis=1)


class Party(Strict):
    id: Ident
    kind: Literal["ftz_area", "collaborative_zone", "linked_innovation_zone", "pilot_zone", "other"]
    name: str
    name_en: str | None = None
    city: str | None = None
    area_km2: float | None = Field(default=None, ge=0)
    land_ha: float | None = Field(default=None, ge=0)  # land a zone can give projects (a simpy.Container)
    approved_year: Year | None = None  # zones approved later (e.g. Chongqing, seeds/004) take projects from then


class Base(Strict):
    rule: Literal["zero", "base_year"] = "zero"
    year: Year | None = None
    growth: float = Field(default=0.0, ge=-1, le=10)


class Phase(Strict):
    start: int = Field(alias="from")
    end: int | None = Field(default=None, alias="to")
    origin: Share


class Ratio(Strict):
    basis: Literal["calendar_year", "years_since_start"] = "calendar_year"
    schedule: list[Phase] = Field(min_length=1)

    def origin_at(self, when: int) -> float | None:
        """The origin's share in force at a calendar year or a year since start; None if uncovered."""
        for phase in self.schedule:
            if phase.start <= when and (phase.end is None or when <= phase.end):
                return phase.origin
        return None


class Cap(Strict):
    origin_cumulative_yuan: Yuan | None = None


class Floor(Strict):
    host_yearly_yuan: Yuan | None = None


class CostItem(Strict):
    year: Year
    amount_yuan: Yuan
    origin: Share


class StatRule(Strict):
    rule: Literal["split", "double_count", "host", "origin"] = "split"
    origin: Share | None = None

    @model_validator(mode="after")
    def _origin_only_split(self) -> StatRule:
        if self.origin is not None and self.rule != "split":
            raise PydanticCustomError("stat_origin_only_split", "origin only with split")
        return self


class StatisticsRules(Strict):
    default: StatRule = StatRule()
    output: StatRule | None = None
    value_added: StatRule | None = None
    investment: StatRule | None = None
    trade: StatRule | None = None
    fdi: StatRule | None = None
    employment: StatRule | None = None
    entities: StatRule | None = None

    def rule_for(self, indicator: str) -> StatRule:
        return getattr(self, indicator) or self.default


class AttractionReward(Strict):
    per_100m_yuan_invested: Yuan
    origin: Share


class EcologicalCompensation(Strict):
    """飞地经济与生态补偿动态挂钩 (seeds/003): the enclave's host pays the origin — an ecological function area
    that may not develop industry at home — a share of its yearly receipts from the agreement."""

    share_of_host_receipts: Share


class Agreement(Strict):
    id: Ident
    origin: Ident
    host: Ident
    set_by: str | None = None
    taxes: list[TaxId] = Field(default=list(TAX_IDS), min_length=1)
    base: Base = Base()
    stock_to: Literal["host", "origin"] = "host"
    ratio: Ratio
    negative_increment: Literal["floor_zero", "carry_forward", "share"] = "floor_zero"
    cap: Cap = Cap()
    floor: Floor = Floor()
    sunset_year: Year | None = None
    cost_sharing: list[CostItem] = []
    statistics: StatisticsRules = StatisticsRules()
    attraction_reward: AttractionReward | None = None
    ecological_compensation: EcologicalCompensation | None = None


class AssessmentIndicator(Strict):
    weight: float = Field(ge=0)
    region_growth: float


class Assessment(Strict):
    indicators: dict[Indicator, AssessmentIndicator] = Field(min_length=1)
    points_per_pp: float = Field(default=1.0, ge=0)
    innovation_bonus: float = Field(default=0.0, ge=0)
    pass_score: float = 0.0
    revoke_after_failed_years: int = Field(default=2, ge=1)
    innovation_awards_per_year: float = Field(default=0.0, ge=0)  # illustrative Poisson rate per zone


class Region(Strict):
    """The region's own totals, against which the FTZ's shares are measured (targets of seeds/001)."""

    year: Year
    fdi_yuan: Yuan
    trade_yuan: Yuan
    growth: float = Field(default=0.05, ge=-0.5, le=1)


class Targets(Strict):
    year: Year
    tax_revenue_yuan: Yuan | None = None
    industrial_output_yuan: Yuan | None = None
    entities_multiple: float | None = Field(default=None, gt=0)
    fdi_share_of_region: Share | None = None
    trade_share_of_region: Share | None = None
    region: Region | None = None  # needed for the two shares


class Scenario(Strict):
    schema_: Literal["ftzshare/v1"] = Field(alias="schema")
    name: str
    name_en: str | None = None
    description: str | None = None
    horizon: Horizon
    tax_rules: TaxRules = TaxRules()
    parties: list[Party] = Field(min_length=2)
    agreements: list[Agreement] = Field(min_length=1)
    assessment: Assessment | None = None
    targets: Targets | None = None
    population: Population | None = None
    behavior: Behavior | None = None

    @property
    def upper_level_ids(self) -> list[str]:
        return [u.id for u in self.tax_rules.upper_levels]

    def canonical_json(self) -> str:
        """The validated content, key-sorted: two files meaning the same thing hash the same."""
        data = self.model_dump(mode="json", by_alias=True)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- loading


class _Loader(yaml.SafeLoader):
    """Safe YAML without aliases (no exponential expansion) and with duplicate keys refused."""

    def compose_node(self, parent, index):  # noqa: ANN001
        if self.check_event(yaml.AliasEvent):
            raise _YamlRefused("yaml_alias", self.peek_event().start_mark, {})
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: ANN001
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _YamlRefused("yaml_duplicate_key", key_node.start_mark, {"name": key})
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _YamlRefused(Exception):
    def __init__(self, key: str, mark: yaml.Mark, params: dict[str, object]) -> None:
        self.key, self.mark, self.params = key, mark, params


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file within the size limit with the safe loader; errors name the line."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError(name, None, "file_missing")
    size = path.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise InputError(name, None, "file_too_large", size=size, limit=MAX_SCENARIO_BYTES)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(name, None, "encoding") from None
    if not text.strip():
        raise InputError(name, None, "file_empty")
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _YamlRefused as refused:
        raise InputError(name, f"line {refused.mark.line + 1}", refused.key, **refused.params) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise InputError(name, where, "yaml_syntax", detail=getattr(exc, "problem", None) or str(exc)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and cross-check a scenario file, or a variant of one (`extends:`)."""
    return scenario_from_data(scenario_data(path), str(path))


def scenario_data(path: str | Path) -> Any:
    """A scenario file's content before validation, a variant merged onto its baseline."""
    data = read_yaml(path)
    if isinstance(data, dict) and "extends" in data:
        data = resolve_variant(data, Path(path), read_yaml)
    return data


def scenario_from_data(data: Any, source: str) -> Scenario:
    """Validate already-parsed content (a file, an app edit, a variant merged onto a baseline)."""
    if not isinstance(data, dict):
        raise InputError(source, None, "yaml_not_mapping")
    if data.get("schema") not in (None, "ftzshare/v1"):
        raise InputError(source, "schema", "scenario_schema")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, source) from None
    check_consistency(scenario, source)
    return scenario


_PYDANTIC_KEYS = {
    "missing": "missing_key",
    "literal_error": "expected_one_of",
    "int_type": "expected_integer",
    "int_parsing": "expected_integer",
    "int_from_float": "expected_integer",
    "float_type": "expected_number",
    "float_parsing": "expected_number",
    "finite_number": "expected_number",
    "string_type": "expected_text",
    "list_type": "expected_list",
    "dict_type": "expected_mapping",
    "model_type": "expected_mapping",
    "model_attributes_type": "expected_mapping",
    "greater_than_equal": "too_small",
    "greater_than": "too_small",
    "too_short": "too_small",
    "less_than_equal": "too_large",
    "less_than": "too_large",
    "too_long": "too_large",
}


def _first_error(exc: ValidationError, source: str) -> InputError:
    """Turn pydantic's first complaint into our error: file, key path, bilingual reason."""
    err = exc.errors(include_url=False)[0]
    loc = list(err["loc"])
    ctx = dict(err.get("ctx") or {})
    kind = err["type"]
    if kind == "unknown_key":
        loc.append(ctx["name"])
    if kind in MESSAGES:
        return InputError(source, key_path(loc), kind, **ctx)
    key = _PYDANTIC_KEYS.get(kind)
    if key == "expected_one_of":
        return InputError(source, key_path(loc), key, expected=ctx.get("expected", ""))
    if key in ("too_small", "too_large"):
        limit = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt", ctx.get("min_length", ctx.get("max_length"))))))
        return InputError(source, key_path(loc), key, limit=limit)
    if key:
        return InputError(source, key_path(loc), key)
    return InputError(source, key_path(loc), "invalid_value", detail=err["msg"])


def key_path(loc: list[object]) -> str:
    """('agreements', 0, 'ratio') → 'agreements[0].ratio'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check_consistency(s: Scenario, source: str) -> None:
    """Checks that span fields: ids, parties, retention sums, schedules, base rules."""

    def fail(where: str, key: str, **params: object) -> None:
        raise InputError(source, where, key, **params)

    _unique([p.id for p in s.parties], "parties", fail)
    _unique([u.id for u in s.tax_rules.upper_levels], "tax_rules.upper_levels", fail)
    _unique([a.id for a in s.agreements], "agreements", fail)
    for tax in TAX_IDS:
        total = sum(Decimal(str(u.share.get(tax, 0))) for u in s.tax_rules.upper_levels)
        if total > 1:
            fail("tax_rules.upper_levels", "shares_sum", tax=tax, total=total)
    party_ids = {p.id for p in s.parties}
    pairs: dict[tuple[str, str], str] = {}
    for i, a in enumerate(s.agreements):
        at = f"agreements[{i}]"
        for role in ("origin", "host"):
            if getattr(a, role) not in party_ids:
                fail(f"{at}.{role}", "party_unknown", value=getattr(a, role))
        if a.origin == a.host:
            fail(f"{at}.host", "origin_is_host")
        if (a.origin, a.host) in pairs:
            fail(f"{at}.host", "duplicate_pair", origin=a.origin, host=a.host, other=pairs[(a.origin, a.host)])
        pairs[(a.origin, a.host)] = a.id
        if a.ratio.basis == "years_since_start" and a.base.rule != "zero":
            fail(f"{at}.ratio.basis", "since_start_base")
        _check_base(a, s.horizon, f"{at}.base", fail)
        _check_schedule(a.ratio, s.horizon, f"{at}.ratio", fail)
        for j, item in enumerate(a.cost_sharing):
            if not s.horizon.start_year <= item.year <= s.horizon.end_year:
                fail(
                    f"{at}.cost_sharing[{j}].year",
                    "cost_year_outside",
                    year=item.year,
                    first=s.horizon.start_year,
                    last=s.horizon.end_year,
                )


def _unique(ids: list[str], where: str, fail: Any) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            fail(f"{where}[{i}].id", "duplicate_id", value=ident)
        seen.add(ident)


def _check_base(a: Agreement, horizon: Horizon, at: str, fail: Any) -> None:
    if a.base.rule == "base_year":
        if a.base.year is None:
            fail(f"{at}.year", "base_year_required")
        elif a.base.year > horizon.start_year:
            fail(f"{at}.year", "base_year_late", year=a.base.year, start=horizon.start_year)
    elif a.base.year is not None:
        fail(f"{at}.year", "base_year_only")


def _check_schedule(ratio: Ratio, horizon: Horizon, at: str, fail: Any) -> None:
    """Phases in order, contiguous, only the last open-ended, covering the horizon."""
    first, last = (horizon.start_year, horizon.end_year) if ratio.basis == "calendar_year" else (1, horizon.years)
    phases = ratio.schedule
    for j, phase in enumerate(phases):
        where = f"{at}.schedule[{j}]"
        if phase.end is not None and phase.end < phase.start:
            fail(f"{where}.to", "schedule_to_before_from", to=phase.end, start=phase.start)
        if phase.end is None and j != len(phases) - 1:
            fail(f"{where}.to", "schedule_open_end")
        if j:
            previous_end = phases[j - 1].end
            assert previous_end is not None  # only the last phase is open-ended
            if phase.start <= previous_end:
                fail(f"{where}.from", "schedule_order")
            if phase.start > previous_end + 1:
                fail(f"{where}.from", "schedule_gap", year=previous_end + 1)
    end = phases[-1].end
    if phases[0].start > first or (end is not None and end < last):
        fail(f"{at}.schedule", "schedule_cover", first=first, last=last)
