"""The scenario file (ftzshare/v1) as a validated model: parties, agreements, terms, assessment, targets.

A scenario is validated whole — fields, then the checks that span fields (`sim.scenario.checks`) as a model
validator — whether it comes from a file, a variant, an app override or `model_copy(update=...)`.

numpy is imported in the methods the core calls, so that reading a scenario does not pay for it.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from sim.errors import InputError, suggestion
from sim.indicators import COUNT_INDICATORS
from sim.money import PPM
from sim.scenario.checks import check_consistency
from sim.scenario.population import Behavior, Population, _model
from sim.scenario.types import Amount, Ident, Indicator, Number, Rate, Share, Strict, TaxId, Text, Year, Yuan, ppm
from sim.scenario.uncertainty import Distribution, check_uncertainty
from sim.taxes import TAX_IDS, TAX_TYPES

if TYPE_CHECKING:
    import numpy as np


class Horizon(Strict):
    start_year: Year
    years: int = Field(ge=1, le=100)

    @property
    def end_year(self) -> int:
        return self.start_year + self.years - 1


class UpperLevel(Strict):
    id: Ident
    name: Text
    name_en: str | None = None
    share: dict[TaxId, Share] = {}


class TaxRules(Strict):
    central_share: dict[TaxId, Share] = {}
    upper_levels: list[UpperLevel] = []
    # Beibu Gulf local CIT exemption (桂政发〔2020〕42号, `sim.model.cit`): tax years exempt from the first year of
    # main-business revenue; 0 where the overlay does not apply
    local_cit_exemption_years: int = Field(default=0, ge=0, le=50)

    def central_ppm(self, tax: str) -> int:
        """The scenario's central share of `tax`, or the national default (DOMAIN.md §2)."""
        if tax in self.central_share:
            return ppm(self.central_share[tax])
        return int(Decimal(next(t.central_share for t in TAX_TYPES if t.id == tax)) * PPM)

    def central_ppm_by_tax(self) -> np.ndarray:
        """[tax] central shares in millionths, in TAX_IDS order."""
        import numpy as np

        return np.array([self.central_ppm(t) for t in TAX_IDS], np.int64)

    def local_split_ppm_by_tax(self) -> np.ndarray:
        """[tax, each upper level then the pool]: how the local part divides, in millionths (rows sum to PPM)."""
        import numpy as np

        shares = [[ppm(u.share.get(t, 0)) for u in self.upper_levels] for t in TAX_IDS]
        upper = np.array(shares, np.int64).reshape(len(TAX_IDS), len(self.upper_levels))
        return np.concatenate([upper, PPM - upper.sum(axis=1, keepdims=True)], axis=1)


class Party(Strict):
    id: Ident
    kind: Literal["ftz_area", "collaborative_zone", "linked_innovation_zone", "pilot_zone", "other"]
    name: Text
    name_en: str | None = None
    city: Text | None = None
    area_km2: Number | None = Field(default=None, ge=0, le=1e6)
    # Land for projects (ha, a simpy.Container): a zone's for the agreement's projects (required); an FTZ area's
    # for its entities' projects that stay in the FTZ (None: the FTZ's land is not a constraint)
    land_ha: Number | None = Field(default=None, ge=0, le=1e7)
    approved_year: Year | None = None  # zones approved later (e.g. Chongqing, seeds/004) take projects from then


class Base(Strict):
    rule: Literal["zero", "base_year"] = "zero"
    year: Year | None = None
    growth: Number = Field(default=0.0, ge=-1, le=10)


class Phase(Strict):
    start: int = Field(alias="from")
    end: int | None = Field(default=None, alias="to")
    origin: Share


class Ratio(Strict):
    basis: Literal["calendar_year", "years_since_start"] = "calendar_year"
    schedule: list[Phase] = Field(min_length=1)

    def phase(self, year: np.ndarray, start_year: np.ndarray | int = 0) -> np.ndarray:
        """The index of the schedule phase in force for rows of calendar `year` whose entity started operating
        in `start_year` (its year 1), or −1 where the schedule does not cover the row."""
        import numpy as np

        year = np.asarray(year, np.int64)
        when = year if self.basis == "calendar_year" else year - np.asarray(start_year, np.int64) + 1
        out = np.full(when.shape, -1, np.int64)
        for index, p in enumerate(self.schedule):
            out[(when >= p.start) if p.end is None else (when >= p.start) & (when <= p.end)] = index
        return out

    def in_force(self, year: np.ndarray, start_year: np.ndarray | int = 0) -> np.ndarray:
        """The origin's share in force, in millionths (0 where the schedule does not cover the row).

        The one place the ratio in force is worked out: the sharing core, attribution to entities, statistics
        and the model's expectations all ask here.
        """
        import numpy as np

        shares = np.array([ppm(p.origin) for p in self.schedule] + [0], np.int64)
        return shares[self.phase(year, start_year)]


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
    set_by: Text | None = None
    taxes: list[TaxId] = Field(default=list(TAX_IDS), min_length=1)
    base: Base = Base()
    stock_to: Literal["host", "origin"] = "host"
    ratio: Ratio
    negative_increment: Literal["floor_zero", "carry_forward", "share"] = "floor_zero"
    cap: Cap = Cap()
    floor: Floor = Floor()
    sunset_year: Year | None = None
    revoked_year: Year | None = None  # the zone was revoked (DOMAIN.md §3.8): sharing ends after this year
    cost_sharing: list[CostItem] = []
    statistics: StatisticsRules = StatisticsRules()
    attraction_reward: AttractionReward | None = None
    ecological_compensation: EcologicalCompensation | None = None

    @property
    def sharing_ends(self) -> int | None:
        """The last year the origin shares: the sunset or the revocation, whichever comes first."""
        ends = [y for y in (self.sunset_year, self.revoked_year) if y is not None]
        return min(ends) if ends else None


class AssessmentIndicator(Strict):
    """One indicator of the assessment (sim/model/assessment.py says how it is scored)."""

    weight: Number = Field(ge=0, le=100)
    region_growth: Number = Field(ge=-1, le=10)
    min_base: Number = Field(gt=0, le=1e13)  # per year, in the indicator's unit: a smaller base counts as this
    window_years: int = Field(ge=1, le=10)  # growth of the sum over this many years (1: year on year)


def _indicator_defaults(name: str, spec: object) -> object:
    """An indicator's smallest base and window where the file does not give them (model.yaml): money in
    yuan, employment in persons; market entities have no default, so their file states one. Foreign
    capital is lumpy (one project lands in one year), so it is measured over several years."""
    if not isinstance(spec, dict):
        return spec
    spec = dict(spec)
    if "min_base" not in spec and name != "entities":
        unit = "persons" if name in COUNT_INDICATORS else "yuan"
        spec["min_base"] = _model(f"assessment.min_base_{unit}")()
    spec.setdefault("window_years", _model("assessment.fdi_window_months")() // 12 if name == "fdi" else 1)
    return spec


class Assessment(Strict):
    indicators: dict[Indicator, AssessmentIndicator] = Field(min_length=1)
    points_per_pp: Number = Field(default=1.0, ge=0, le=1000)
    innovation_bonus: Number = Field(default=0.0, ge=0, le=1000)
    pass_score: Number = Field(default=0.0, ge=-1e6, le=1e6)
    revoke_after_failed_years: int = Field(default=2, ge=1, le=100)  # 连续两年不达标 (seeds/000 §四(三))
    innovation_awards_per_year: Number = Field(
        default_factory=_model("assessment.innovation_awards_per_year"), ge=0, le=100
    )
    # each indicator's growth above or below the region's counts up to this much (0.2: ±20 percentage points)
    excess_growth_cap: Number = Field(default_factory=_model("assessment.excess_growth_cap"), gt=0, le=10)

    @model_validator(mode="before")
    @classmethod
    def _defaults_by_indicator(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("indicators"), dict):
            indicators = {name: _indicator_defaults(name, spec) for name, spec in data["indicators"].items()}
            data = {**data, "indicators": indicators}
        return data


class Region(Strict):
    """The region's own totals, against which the FTZ's shares are measured (targets of seeds/001)."""

    year: Year
    fdi_yuan: Amount
    trade_yuan: Amount
    growth: Number = Field(default_factory=_model("region.growth"), ge=-0.5, le=1)


class Targets(Strict):
    year: Year
    tax_revenue_yuan: Amount | None = None
    industrial_output_yuan: Amount | None = None
    entities_multiple: Number | None = Field(default=None, gt=0)
    fdi_share_of_region: Rate | None = None
    trade_share_of_region: Rate | None = None
    region: Region | None = None  # needed for the two shares


class Scenario(Strict):
    schema_: Literal["ftzshare/v1"] = Field(alias="schema")
    name: Text
    name_en: str | None = None
    description: Text | None = None
    horizon: Horizon
    tax_rules: TaxRules = TaxRules()
    parties: list[Party] = Field(min_length=2)
    agreements: list[Agreement] = Field(min_length=1)
    assessment: Assessment | None = None
    targets: Targets | None = None
    population: Population | None = None
    behavior: Behavior | None = None
    calibration: Calibration | None = None  # what `ftzshare calibrate` fits (defined below)
    uncertainty: dict[str, Distribution] | None = None  # parameter key path → distribution (uncertainty.py)

    def reference_origin_shares(self) -> list[float]:
        """The origin share each agreement's effort is measured against (`sim.model.reinvestment.effort`):
        `behavior.reference_origin_share` when named, else the agreement's first phase — the ratio in force
        before its schedule changed it."""
        named = self.behavior.reference_origin_share if self.behavior is not None else None
        if named is not None:
            return [float(named)] * len(self.agreements)
        return [float(a.ratio.schedule[0].origin) for a in self.agreements]

    @property
    def upper_level_ids(self) -> list[str]:
        return [u.id for u in self.tax_rules.upper_levels]

    def canonical_json(self) -> str:
        """The validated content, key-sorted: two files meaning the same thing hash the same."""
        data = self.model_dump(mode="json", by_alias=True)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Scenario:
        check_consistency(self, (info.context or {}).get("source", "scenario"))
        if self.uncertainty:
            check_uncertainty(self, (info.context or {}).get("source", "scenario"))
        return self

    @model_validator(mode="after")
    def _calibration(self, info: ValidationInfo) -> Scenario:
        check_calibration(self, (info.context or {}).get("source", "scenario"))
        return self


# ---------------------------------------------------------------- calibration (`ftzshare calibrate`)

# What a published series can be compared with: the FTZ's own yearly indicators (sim.model.ftz_indicators)
# that follow from the entity population alone, and each year's new registrations. Stocks (`entities`) are
# year-end counts and may be compared at mid-year; the others are flows of a calendar year.
CALIBRATION_QUANTITIES = ("entities", "new_entities", "trade", "industrial_output", "tax_revenue")
CALIBRATION_STOCKS = ("entities",)
CALIBRATION_UNITS = {"entities": "entities", "new_entities": "entities"}  # the rest are yuan
_PATH_PART = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$")


class FittedParameter(Strict):
    """A number of the scenario to fit, named by its key path, searched within [lower, upper]."""

    path: str = Field(min_length=1, max_length=200)
    lower: Number
    upper: Number
    start: Number | None = None  # default: the scenario's own value

    @model_validator(mode="after")
    def _bounds(self) -> FittedParameter:
        if not self.lower < self.upper:
            raise PydanticCustomError("calibration_bounds", "bounds", {"lower": self.lower, "upper": self.upper})
        if self.start is not None and not self.lower <= self.start <= self.upper:
            raise PydanticCustomError(
                "calibration_start", "start", {"value": self.start, "lower": self.lower, "upper": self.upper}
            )
        return self


class Observation(Strict):
    year: Year
    value: Number = Field(gt=0)
    at: Literal["year_end", "mid_year"] = "year_end"  # mid-year: halfway between the year-ends around it
    source: Text  # document or publisher, and year
    weight: Number = Field(default=1.0, ge=0, le=100)  # 0: shown in the backtest, not fitted


class ObservedSeries(Strict):
    id: Ident
    name: Text
    name_en: Text | None = None
    quantity: Literal[CALIBRATION_QUANTITIES]  # type: ignore[valid-type]
    unit: Literal["entities", "yuan"]
    observations: list[Observation] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ObservedSeries:
        expected = CALIBRATION_UNITS.get(self.quantity, "yuan")
        if self.unit != expected:
            raise PydanticCustomError("calibration_unit", "unit", {"quantity": self.quantity, "unit": expected})
        for o in self.observations:
            if o.at == "mid_year" and self.quantity not in CALIBRATION_STOCKS:
                raise PydanticCustomError("calibration_mid_year", "mid-year flow", {"quantity": self.quantity})
        return self


class Calibration(Strict):
    """Which parameters `ftzshare calibrate` fits to which published series (analysis/calibration.py)."""

    parameters: list[FittedParameter] = Field(min_length=1, max_length=20)
    series: list[ObservedSeries] = Field(min_length=1, max_length=50)


def calibration_target(scenario: BaseModel, path: str) -> tuple[BaseModel, str, type]:
    """The model holding the number `path` names, the field's name and its type (int or float).

    Raises KeyError with (the part not found, the names it could have been) or TypeError when the path ends at
    something that is not a number."""
    node: object = scenario
    for part in path.split("."):
        match = _PATH_PART.match(part)
        if not match or not isinstance(node, BaseModel):
            raise KeyError(part, [])
        name, index = match.group(1), match.group(2)
        fields = {f.alias or n: n for n, f in type(node).model_fields.items()}
        if name not in fields:
            raise KeyError(name, list(fields))
        parent, node = node, getattr(node, fields[name])
        if index is not None:
            if not isinstance(node, list) or int(index) >= len(node):
                raise KeyError(part, [])
            parent, node = None, node[int(index)]
    if parent is None or isinstance(node, bool) or not isinstance(node, int | float):
        raise TypeError(path)
    return parent, fields[name], type(node)


def check_calibration(s: Scenario, source: str) -> None:
    """Each fitted path names a number of the population whose bounds that number may take; each observation
    falls in the horizon (a mid-year one needs the year-end before it, or the start)."""
    calibration = s.calibration
    if calibration is None:
        return
    if s.population is None:
        raise InputError(source, "calibration", "calibration_population")
    seen: set[str] = set()
    for i, p in enumerate(calibration.parameters):
        where = f"calibration.parameters[{i}]"
        if not p.path.startswith("population."):
            raise InputError(source, f"{where}.path", "calibration_path_scope", value=p.path)
        if p.path in seen:
            raise InputError(source, f"{where}.path", "duplicate_id", value=p.path)
        seen.add(p.path)
        try:
            parent, name, kind = calibration_target(s, p.path)
        except KeyError as missing:
            part, choices = missing.args
            hint = suggestion(part, choices)
            raise InputError(
                source, f"{where}.path", "calibration_path_unknown", value=p.path, part=part, **hint
            ) from None
        except TypeError:
            raise InputError(source, f"{where}.path", "calibration_path_number", value=p.path) from None
        for bound in ("lower", "upper"):
            value = getattr(p, bound)
            try:
                type(parent).model_validate({**dict(parent), name: round(value) if kind is int else value})
            except ValidationError as exc:
                raise InputError(
                    source, f"{where}.{bound}", "calibration_bound_field", value=value, detail=exc.errors()[0]["msg"]
                ) from None
    ids = [c.id for c in calibration.series]
    for i, series in enumerate(calibration.series):
        if series.id in ids[:i]:
            raise InputError(source, f"calibration.series[{i}].id", "duplicate_id", value=series.id)
        for j, o in enumerate(series.observations):
            if not s.horizon.start_year <= o.year <= s.horizon.end_year:
                raise InputError(
                    source,
                    f"calibration.series[{i}].observations[{j}].year",
                    "calibration_year",
                    value=o.year,
                    start=s.horizon.start_year,
                    end=s.horizon.end_year,
                )


Scenario.model_rebuild()  # its `calibration` field names the classes above
