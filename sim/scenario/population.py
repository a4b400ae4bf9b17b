"""Parameters of the simulated population (the `population` and `behavior` blocks of a scenario).

Every default is documented where it is set: a source (seed file and section, or a document number) or
"illustrative" — an assumption to be replaced by local data.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from sim.scenario.types import Amount, Ident, Rate, Strict, Text


class RevenueDistribution(Strict):
    dist: Literal["lognormal"] = "lognormal"
    median: Amount
    sigma: float = Field(ge=0, le=5)


class Growth(Strict):
    """Yearly revenue growth of each entity: normal(mean, sd), and rare shocks that cut revenue."""

    mean: float = Field(default=0.05, ge=-0.5, le=1)  # illustrative
    sd: float = Field(default=0.10, ge=0, le=1)  # illustrative
    shock_probability: Rate = 0.02  # illustrative: a year's chance of losing `shock_loss` of revenue
    shock_loss: Rate = 0.5  # illustrative


class SizeMix(Strict):
    """Shares of new and existing entities by size class; each class has its CIT regime (DOMAIN.md §2)."""

    small_micro: Rate = 0.6  # illustrative; 5% effective CIT to 2027, VAT filed quarterly
    general: Rate = 0.3  # illustrative; the industry's `cit_rate` (25%, or 15% Western Development)
    high_tech: Rate = 0.1  # illustrative; 15%

    @model_validator(mode="after")
    def _sums_to_one(self) -> SizeMix:
        if abs(self.small_micro + self.general + self.high_tech - 1) > 1e-9:
            raise PydanticCustomError("size_mix_sum", "size mix must sum to 1")
        return self


class ProductionShare(Strict):
    """What moves to the zone with the production (seeds/000 §二(二): HQ functions stay in the FTZ)."""

    revenue: Rate = 0.7  # illustrative
    payroll: Rate = 0.6  # illustrative
    profit: Rate = 0.7  # illustrative


class Industry(Strict):
    id: Ident
    name: Text
    name_en: Text | None = None
    area: Ident | None = None  # the FTZ area its entities are registered in; needed when there are several
    ftz_entities: int = Field(ge=0)
    new_per_year: int = Field(default=0, ge=0)
    reinvest_rate_per_year: Rate
    revenue_yuan: RevenueDistribution
    growth: Growth = Growth()
    vat_burden: Rate
    profit_margin: float = Field(ge=-1, le=1)
    cit_rate: Rate  # general-size entities
    payroll_share: Rate
    land_ha_per_project: float = Field(gt=0)
    build_months: int = Field(ge=0, le=120)
    rampup_months: int = Field(ge=0, le=120)
    size_mix: SizeMix = SizeMix()
    production_share: ProductionShare = ProductionShare()
    foreign_share: Rate = 0.1  # illustrative: share of entities that are foreign-invested
    trade_share: Rate = 0.2  # illustrative: imports + exports as a share of revenue
    investment_yuan_per_ha: Amount = 30_000_000  # illustrative: fixed-asset investment per hectare of a project
    value_added_ratio: Rate = 0.25  # illustrative
    exit_rate_per_year: Rate = 0.03  # illustrative: yearly chance that a zone project closes
    cit_exempt_share: Rate = 0.5  # illustrative: share of projects qualifying for the local CIT exemption
    vat_refund_probability: Rate = 0.05  # illustrative: yearly chance of a VAT credit refund (留抵退税)
    vat_refund_share: Rate = 0.3  # illustrative: the refund as a share of that year's VAT
    industrial: bool = True  # its output counts as industrial output (规上工业总产值) for the FTZ's targets
    fdi_yuan_per_foreign_entity: Amount = 5_000_000  # illustrative: foreign capital a new foreign entity brings


class Population(Strict):
    seed: int = Field(default=0, ge=0)
    industries: list[Industry] = Field(min_length=1)
    land_patience_months: int = Field(default=12, ge=0, le=120)  # illustrative: wait for land before giving up
    give_up_stays_in_ftz: Rate = 0.5  # illustrative: of those giving up, the share staying in the FTZ
    wage_yuan: Amount = 90_000  # illustrative: yearly wage, turns payroll into employment
    iit_rate_on_payroll: Rate = 0.03  # illustrative effective IIT rate withheld on payroll
    urban_maintenance_rate: Rate = 0.07  # DOMAIN.md §2: 7% of VAT paid in a city
    cit_prepay_share: Rate = 0.9  # illustrative: quarterly prepayments as a share of the liability
    small_micro_cit_rate: Rate = 0.05  # DOMAIN.md §2: 5% effective for small and micro enterprises
    small_micro_cit_until: int = 2027  # DOMAIN.md §2: the 5% rate runs to 2027
    high_tech_cit_rate: Rate = 0.15  # DOMAIN.md §2
    building_share_of_investment: Rate = 0.5  # illustrative: property-tax base is buildings
    property_tax_rate: Rate = 0.0084  # 1.2% of 70% of the original value (房产税暂行条例)
    land_use_tax_yuan_per_m2: float = Field(default=6.0, ge=0)  # illustrative, within the legal 0.6–30 range

    @model_validator(mode="after")
    def _unique_industries(self) -> Population:
        ids = [i.id for i in self.industries]
        for index, ident in enumerate(ids):
            if ident in ids[:index]:
                raise PydanticCustomError("duplicate_id", "duplicate", {"value": ident})
        return self


class Behavior(Strict):
    """How each side's effort responds to the share it keeps (0 = pure accounting, no response).

    Referral effort multiplies the origin's reinvestment hazard by (origin share / 0.5) ** elasticity; the
    host's land and service effort scales the land it prepares by (host share / 0.5) ** elasticity.
    """

    origin_referral_elasticity: float = Field(default=0.0, ge=0, le=10)
    host_service_elasticity: float = Field(default=0.0, ge=0, le=10)
