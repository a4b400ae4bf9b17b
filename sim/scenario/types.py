"""Building blocks of the scenario schema: exact shares and amounts, years, ids, strict models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from sim.apportion import PPM
from sim.errors import suggestion
from sim.indicators import INDICATORS
from sim.money import decimal_fen
from sim.taxes import TAX_IDS

TaxId = Literal[TAX_IDS]  # type: ignore[valid-type]
Indicator = Literal[INDICATORS]  # type: ignore[valid-type]
RESERVED_IDS = frozenset({"agreement", "year", "tax_type", "total", "central", "origin", "host", "entity_id"})


def _share(value: float) -> float:
    if not 0 <= value <= 1:
        raise PydanticCustomError("share_range", "share out of range", {"value": value})
    if (Decimal(str(value)) * PPM) % 1:
        raise PydanticCustomError("share_decimals", "too many decimals", {"value": value})
    return value


def _money(value: float) -> float:
    if value < 0:
        raise PydanticCustomError("money_negative", "negative", {"value": value})
    if decimal_fen(value) is None:
        raise PydanticCustomError("money_decimals", "too many decimals", {"value": value})
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


Share = Annotated[float, AfterValidator(_share)]
Yuan = Annotated[float, AfterValidator(_money)]
Year = Annotated[int, AfterValidator(_year)]
Ident = Annotated[str, AfterValidator(_ident)]


def ppm(share: float) -> int:
    """A validated share as exact integer millionths."""
    return int(Decimal(str(share)) * PPM)


def fen(yuan: float) -> int:
    """A validated scenario amount (yuan) as integer fen."""
    value = decimal_fen(yuan)
    assert value is not None  # _money has checked it
    return value


class Strict(BaseModel):
    """Frozen, and unknown keys are refused with the closest known key as a hint."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = [f.alias or name for name, f in cls.model_fields.items()]
            for key in data:
                if key not in known:
                    raise PydanticCustomError("unknown_key", "unknown key", {"name": key, **suggestion(key, known)})
        return data
