"""Building blocks of the scenario schema: exact shares and amounts, years, ids, strict models."""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from sim.errors import suggestion
from sim.indicators import INDICATORS
from sim.money import MAX_ABS_YUAN, PPM, decimal_fen
from sim.taxes import TAX_IDS

TaxId = Literal[TAX_IDS]  # type: ignore[valid-type]
Indicator = Literal[INDICATORS]  # type: ignore[valid-type]
# Ten trillion yuan, beyond any city's budget: a century of such terms summed stays far inside int64 fen.
MAX_TERM_YUAN = 10**13
RESERVED_IDS = frozenset({"agreement", "year", "tax_type", "total", "central", "origin", "host", "entity_id"})


def _exact(value: Any) -> Decimal:
    """A number from YAML (Decimal, by our loader), JSON or Python as an exact, finite Decimal."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("expected_number", "expected a number")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise PydanticCustomError("not_finite", "not a finite number", {"value": str(value)})
    return number


def _share(value: Any) -> Decimal:
    share = _exact(value)
    if not 0 <= share <= 1:
        raise PydanticCustomError("share_range", "share out of range", {"value": share})
    if (share * PPM) % 1:
        raise PydanticCustomError("share_decimals", "too many decimals", {"value": share})
    return share


def _money(value: Any) -> Decimal:
    amount = _exact(value)
    if amount < 0:
        raise PydanticCustomError("money_negative", "negative", {"value": amount})
    if amount > MAX_TERM_YUAN:
        raise PydanticCustomError("money_range", "too large", {"value": amount, "limit": MAX_TERM_YUAN})
    if decimal_fen(amount) is None:
        raise PydanticCustomError("money_decimals", "too many decimals", {"value": amount})
    return amount


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise PydanticCustomError("not_finite", "not a finite number", {"value": value})
    return value


def _year(value: int) -> int:
    if not 1900 <= value <= 2200:
        raise PydanticCustomError("year_range", "year out of range", {"value": value})
    return value


def _ident(value: str) -> str:
    if not value or not all(c.islower() or c.isdigit() or c in "_-" for c in value) or not value.isascii():
        raise PydanticCustomError("id_format", "bad id", {"value": value})
    if value in RESERVED_IDS:
        raise PydanticCustomError("id_reserved", "reserved id", {"value": value})
    return value


def _text(value: str) -> str:
    if any(unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t" for c in value):
        raise PydanticCustomError("control_character", "control character", {})
    return value


# What moves money is exact: shares of the split and amounts of the terms are Decimals, never floats.
Share = Annotated[Decimal, BeforeValidator(_share)]
Yuan = Annotated[Decimal, BeforeValidator(_money)]
# Model parameters (rates, elasticities, benchmarks) feed random draws: finite floats with bounds.
Number = Annotated[float, AfterValidator(_finite)]
Rate = Annotated[float, AfterValidator(_finite), Field(ge=0, le=1)]
Amount = Annotated[float, AfterValidator(_finite), Field(ge=0, le=MAX_ABS_YUAN)]
Year = Annotated[int, AfterValidator(_year)]
Ident = Annotated[str, AfterValidator(_ident)]
Text = Annotated[str, AfterValidator(_text), Field(max_length=500)]


def ppm(share: Decimal) -> int:
    """A validated share as exact integer millionths."""
    return int(share * PPM)


def fen(yuan: Decimal) -> int:
    """A validated scenario amount (yuan) as integer fen."""
    value = decimal_fen(yuan)
    assert value is not None  # _money has checked it
    return value


class Strict(BaseModel):
    """Frozen, and unknown keys are refused with the closest known key as a hint."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = [f.alias or name for name, f in cls.model_fields.items()]
            names = set(cls.model_fields)
            for key in data:
                if key not in known and key not in names:
                    raise PydanticCustomError("unknown_key", "unknown key", {"name": key, **suggestion(key, known)})
        return data

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy with `update` applied and validated whole, checks across fields included (pydantic's own
        copy skips validation, so a changed scenario could otherwise carry an inconsistent ratio)."""
        if not update:
            return self
        return type(self).model_validate({**dict(self), **update})
