"""Parameter uncertainty: a scenario's `uncertainty:` block gives a bounded distribution for numeric model
parameters, each named by its key path.

    uncertainty:
      population.industries[digital].reinvest_rate_per_year:
        {dist: triangular, low: 0.01, mode: 0.02, high: 0.035, source: illustrative}
      parties[nanning_cdz].land_ha: {dist: uniform, low: 1000, high: 2000, source: illustrative}

Items of a list are named by id (`industries[digital]`) or by index (`industries[0]`); mappings by key
(`assessment.indicators.trade.region_growth`). What may be uncertain: the numbers of the model — population,
behaviour, assessment, parties (land), the region's growth — never the agreed terms (ratios, amounts, years),
which are decided, not drawn: compare designs for those.

Every distribution is bounded (`low`, `high`), so every draw is a value the schema allows; a value is drawn by
its quantile: one uniform number u per parameter, in block order, gives the u-quantile of the distribution
truncated to its bounds. The same function maps a sensitivity study's sample points (`analysis.sensitivity`).
Each replication draws one parameter set from a child of its own SeedSequence kept for parameters
(`replication_parameters`), so the draws depend on the seed and the replication only, never on the workers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from sim.errors import InputError, suggestion
from sim.scenario.types import Number, Strict, Text

if TYPE_CHECKING:  # the schema holds the block and validates it with `check_uncertainty`
    import numpy as np

    from sim.scenario.schema import Scenario

ROOTS = ("population", "behavior", "assessment", "parties", "targets")
# Numbers under those roots that are not model parameters: the seed, calendar years, the law's last year.
NOT_PARAMETERS = frozenset({"seed", "year", "approved_year", "small_micro_cit_until"})
MIN_MASS = 0.01  # bounds must keep at least 1% of a distribution, or the bounds, not the distribution, decide
PARAMETER_STREAM = 0x70617261  # spawn-key word of a replication's parameter stream ("para"), apart from others
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\[\]]+\])*)")
_STANDARD = NormalDist()


class Distribution(Strict):
    """One parameter's distribution: uniform(low, high), triangular(low, mode, high), normal(mean, sd) or
    lognormal(median, sigma of its logarithm), truncated to [low, high]; `source` says where the range
    comes from (a document, its publisher and year) or "illustrative"."""

    dist: Literal["uniform", "triangular", "normal", "lognormal"]
    low: Number
    high: Number
    mode: Number | None = None
    mean: Number | None = None
    sd: Number | None = Field(default=None, gt=0)
    median: Number | None = Field(default=None, gt=0)
    sigma: Number | None = Field(default=None, gt=0, le=5)
    source: Text

    @model_validator(mode="after")
    def _shape(self) -> Distribution:
        needs = {"uniform": (), "triangular": ("mode",), "normal": ("mean", "sd"), "lognormal": ("median", "sigma")}
        for key in ("mode", "mean", "sd", "median", "sigma"):
            given = getattr(self, key) is not None
            if given != (key in needs[self.dist]):
                error = "uncertainty_needs" if not given else "uncertainty_not_for"
                raise PydanticCustomError(error, error, {"dist": self.dist, "name": key})
        if not self.low < self.high:
            raise PydanticCustomError("uncertainty_bounds", "low < high", {"low": self.low, "high": self.high})
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:
            raise PydanticCustomError("uncertainty_mode", "mode within bounds", {"mode": self.mode})
        if self.dist == "lognormal" and self.low < 0:
            raise PydanticCustomError("uncertainty_lognormal_low", "lognormal low >= 0", {"low": self.low})
        if self.dist in ("normal", "lognormal"):
            first, last = self._cdf(self.low), self._cdf(self.high)
            if last - first < MIN_MASS:
                raise PydanticCustomError(
                    "uncertainty_mass", "bounds hold too little", {"mass": f"{last - first:.2%}", "least": MIN_MASS}
                )
        return self

    def _z(self, x: float) -> float:
        """x in standard-normal units (the log for a lognormal); −inf below a lognormal's support."""
        if self.dist == "normal":
            return (x - self.mean) / self.sd
        return -math.inf if x <= 0 else (math.log(x) - math.log(self.median)) / self.sigma

    def _cdf(self, x: float) -> float:
        z = self._z(x)
        return 0.0 if z == -math.inf else _STANDARD.cdf(z)

    def quantile(self, u: float) -> float:
        """The u-quantile (0 ≤ u ≤ 1) of the distribution truncated to [low, high]: u = 0 gives `low`, 1 `high`."""
        low, high = self.low, self.high
        if u <= 0 or u >= 1:  # the ends exactly: Morris levels and Sobol points may sit on them
            return low if u <= 0 else high
        if self.dist == "uniform":
            value = low + u * (high - low)
        elif self.dist == "triangular":
            width, left = high - low, self.mode - low
            if u * width <= left:
                value = low + math.sqrt(u * width * left)
            else:
                value = high - math.sqrt((1 - u) * width * (high - self.mode))
        else:
            first, last = self._cdf(low), self._cdf(high)
            p = min(max(first + u * (last - first), 1e-300), 1 - 1e-16)
            z = _STANDARD.inv_cdf(p)
            value = self.mean + self.sd * z if self.dist == "normal" else self.median * math.exp(self.sigma * z)
        return min(max(value, low), high)  # rounding at the ends never leaves the bounds


@dataclass(frozen=True)
class Leaf:
    """A numeric model parameter found by its key path."""

    path: str  # canonical: list items by id where they have one
    location: tuple[str | int, ...]  # field names, list indices, mapping keys — into `model_dump()`
    owner: BaseModel  # the model holding the field (a mapping's value when the parameter is in a mapping)
    field: str
    value: float | int


def parameter_leaves(scenario: Scenario) -> Iterator[Leaf]:
    """Every numeric model parameter of the scenario, in schema order."""
    for root in ROOTS:
        yield from _leaves(getattr(scenario, root), root, (root,))


def _leaves(obj: Any, path: str, location: tuple) -> Iterator[Leaf]:
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            here, at = f"{path}.{name}", (*location, name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                if name not in NOT_PARAMETERS:
                    yield Leaf(here, at, obj, name, value)
            else:
                yield from _leaves(value, here, at)
    elif isinstance(obj, list):
        for index, item in enumerate(obj):
            yield from _leaves(item, f"{path}[{getattr(item, 'id', index)}]", (*location, index))
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _leaves(item, f"{path}.{key}", (*location, key))


def find_leaf(scenario: Scenario, path: str) -> Leaf | None:
    """The parameter a key path names (items by id or by index), or None."""
    canonical = _canonical(scenario, path)
    return next((leaf for leaf in parameter_leaves(scenario) if leaf.path == canonical), None)


def _canonical(scenario: Scenario, path: str) -> str | None:
    """`industries[0]` written as `industries[digital]` where the item has an id."""
    out: list[str] = []
    obj: Any = scenario
    for part in path.split("."):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            return None
        name, selectors = match.groups()
        obj = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        text = name
        for selector in re.findall(r"\[([^\[\]]+)\]", selectors):
            if not isinstance(obj, list):
                return None
            by_id = [item for item in obj if getattr(item, "id", None) == selector]
            if by_id:
                obj = by_id[0]
            elif selector.isdigit() and int(selector) < len(obj):
                obj = obj[int(selector)]
            else:
                return None
            ident = getattr(obj, "id", None)
            text += f"[{ident if ident is not None else int(selector)}]"
        out.append(text)
    return ".".join(out)


def check_uncertainty(scenario: Scenario, source: str) -> None:
    """The block validated whole: every key path names a numeric model parameter (else the closest one is
    suggested), no parameter twice, and both bounds are values the parameter's own schema accepts."""
    block = scenario.uncertainty or {}
    known = [leaf.path for leaf in parameter_leaves(scenario)]
    seen: dict[str, str] = {}
    for path, distribution in block.items():
        where = f"uncertainty.{path}"
        leaf = find_leaf(scenario, path)
        if leaf is None:
            raise InputError(source, where, "uncertainty_unknown_path", path=path, **suggestion(path, known))
        if leaf.path in seen:
            raise InputError(source, where, "uncertainty_duplicate", path=leaf.path, other=seen[leaf.path])
        seen[leaf.path] = path
        for bound in ("low", "high"):
            _check_value(leaf, _typed(leaf, getattr(distribution, bound)), source, f"{where}.{bound}")


def _typed(leaf: Leaf, value: float) -> float | int:
    """A whole-number parameter (months, counts) takes the nearest whole number."""
    return round(value) if isinstance(leaf.value, int) else float(value)


def _check_value(leaf: Leaf, value: float | int, source: str, where: str) -> None:
    """Validate the model holding the parameter with `value` put in (its own bounds and checks)."""
    try:
        type(leaf.owner).model_validate({**dict(leaf.owner), leaf.field: value})
    except ValidationError as exc:
        from sim.scenario.loading import _first_error  # loading imports the schema, which imports this module

        reason = _first_error(exc, source)
        raise InputError(
            source,
            where,
            "uncertainty_bound_invalid",
            value=value,
            reason=reason.reason("zh"),
            reason_en=reason.reason("en"),
        ) from None


def parameter_names(scenario: Scenario) -> list[str]:
    """The uncertain parameters' canonical key paths, in block order (the columns of `parameters.csv`)."""
    return [find_leaf(scenario, path).path for path in scenario.uncertainty or {}]


def with_parameters(scenario: Scenario, values: dict[str, float], source: str = "uncertainty") -> Scenario:
    """The scenario with the parameters set to `values` (canonical key paths) and no uncertainty block left,
    validated whole — the scenario's own schema and cross-field checks decide whether the set is possible."""
    from sim.scenario.loading import scenario_from_data

    data = scenario.model_dump()
    data["uncertainty"] = None
    for path, value in values.items():
        leaf = find_leaf(scenario, path)
        *parents, last = leaf.location
        holder = data
        for key in parents:
            holder = holder[key]
        holder[last] = _typed(leaf, value)
    try:
        return scenario_from_data(data, source)
    except InputError as error:
        drawn = ", ".join(f"{path}={value:g}" for path, value in values.items())
        raise InputError(
            source,
            "uncertainty",
            "uncertainty_set_invalid",
            values=drawn,
            reason=f"{error.where}: {error.reason('zh')}",
            reason_en=f"{error.where}: {error.reason('en')}",
        ) from None


def draw_parameters(scenario: Scenario, rng: np.random.Generator) -> tuple[Scenario, dict[str, float]]:
    """One parameter set drawn from the block (one uniform number per parameter, in block order) and the
    scenario with it, validated; the draws by canonical key path, as the model uses them."""
    if not scenario.uncertainty:
        return scenario, {}
    names = parameter_names(scenario)
    u = rng.random(len(names))
    draws = {}
    for name, distribution, uniform in zip(names, scenario.uncertainty.values(), u, strict=True):
        draws[name] = _typed(find_leaf(scenario, name), distribution.quantile(float(uniform)))
    return with_parameters(scenario, draws), draws


def parameter_seed(seed: np.random.SeedSequence) -> np.random.SeedSequence:
    """The child of a replication's SeedSequence kept for its parameter draws: fixed by the seed and the
    replication alone, and never the stream the simulation itself draws from."""
    import numpy as np

    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, PARAMETER_STREAM))


def replication_parameters(scenario: Scenario, seed: np.random.SeedSequence) -> tuple[Scenario, dict[str, float]]:
    """What a replication simulates: its own parameter draw (two-level Monte Carlo), or the scenario as it is
    when it has no uncertainty block."""
    import numpy as np

    return draw_parameters(scenario, np.random.default_rng(parameter_seed(seed)))
