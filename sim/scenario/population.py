"""Parameters of the simulated population (the `population` and `behavior` blocks of a scenario).

Defaults are data, not code: each comes from `sim/parameters/model.yaml` (assumptions, almost all
"illustrative") or `sim/parameters/national.yaml` (the law, dated), where it has its label, unit and source.
A scenario that sets a key overrides the default. Files are read on first use, never at import.

The size of a run is bounded (MAX_* below, checked across fields in `sim.scenario.checks`) so that no
scenario can exhaust memory.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from sim.parameters import default, parameter
from sim.scenario.types import Amount, Ident, Rate, Share, Strict, Text

# Limits on a run's size. Measured (tracemalloc peak of one replication, model → ledger → core, 10 years):
# an entity costs about 60 bytes per horizon year (its revenue path and draws), a zone project that lands
# about 8 KB per horizon year (its [project, month] revenue, profit and tax matrices in the tax calendar).
# - 2,000,000 entities registered over a run (stock + new_per_year × years): several times the largest FTZ's
#   registrations, and at most ~1.2 GB of entity arrays over 10 years;
# - 20,000,000 entity-years (entities × horizon years), so long horizons cannot multiply that: ~1.2 GB;
# - 500,000 expected project-years (reinvestment projects × years, in a zone or in the FTZ; bounded by the
#   hazard): ~4 GB.
# The bundled scenarios stay far below (guangxi/region: ~150,000 entities, under 1 million entity-years).
MAX_ENTITIES = 2_000_000
MAX_ENTITY_YEARS = 20_000_000
MAX_PROJECT_YEARS = 500_000


def _model(path: str):
    """A field default read from `model.yaml` (path below `model.`)."""
    return default(f"model.{path}")


def _national(path: str):
    """A field default read from `national.yaml`: the rate as it stands (the last dated value)."""
    return default(f"national.{path}")


def small_micro_preferential() -> tuple[float, int]:
    """The small/micro CIT rate before the national parameter's last change, and its last year (5%, 2027)."""
    values = parameter("national.cit_rate.small_micro").values
    return float(values[-2][1]), values[-1][0].year - 1


class RevenueDistribution(Strict):
    dist: Literal["lognormal"] = "lognormal"
    median: Amount
    sigma: float = Field(ge=0, le=5)


class Growth(Strict):
    """Yearly revenue growth of each entity: normal(mean, sd), and rare shocks that cut revenue."""

    mean: float = Field(default_factory=_model("industry.growth.mean"), ge=-0.5, le=1)
    sd: float = Field(default_factory=_model("industry.growth.sd"), ge=0, le=1)
    shock_probability: Rate = Field(default_factory=_model("industry.growth.shock_probability"))
    shock_loss: Rate = Field(default_factory=_model("industry.growth.shock_loss"))


class Shocks(Strict):
    """Common shocks to revenue growth, drawn once per replication and year: a regional (macro) shock shared by
    every entity and a shock per industry shared by its entities, so that bad years are bad for everyone
    (normal, added to each entity's own growth rate; 0 switches a shock off)."""

    macro_sd: float = Field(default_factory=_model("population.shocks.macro_sd"), ge=0, le=0.5)
    industry_sd: float = Field(default_factory=_model("population.shocks.industry_sd"), ge=0, le=0.5)


class SizeMix(Strict):
    """Size classes and their CIT regimes (DOMAIN.md §2): small/micro the dated national rate (5% effective to
    2027), general the industry's `cit_rate` (25%, or 15% Western Development), high-tech 15%
    (`sim.model.entities.cit_rates`).

    By default the class follows the statutory thresholds from each entity's own figures
    (`sim.model.economics.small_low_profit`); `high_tech` is the share certified high and new technology
    enterprises (certification is not a threshold, so it is drawn). A scenario that gives `small_micro` and
    `general` too draws every class from the three shares instead (a known mix, e.g. from tax records)."""

    small_micro: Rate | None = None
    general: Rate | None = None
    high_tech: Rate = Field(default_factory=_model("industry.size_mix.high_tech"))

    @property
    def drawn(self) -> bool:
        return self.small_micro is not None

    @model_validator(mode="after")
    def _sums_to_one(self) -> SizeMix:
        if (self.small_micro is None) != (self.general is None):
            raise PydanticCustomError("size_mix_partial", "give small_micro and general together, or neither")
        if self.drawn and abs(self.small_micro + self.general + self.high_tech - 1) > 1e-9:
            raise PydanticCustomError("size_mix_sum", "size mix must sum to 1")
        return self


class ProductionShare(Strict):
    """What moves to the zone with the production (seeds/000 §二(二): HQ functions stay in the FTZ)."""

    revenue: Rate = Field(default_factory=_model("industry.production_share.revenue"))
    payroll: Rate = Field(default_factory=_model("industry.production_share.payroll"))
    profit: Rate = Field(default_factory=_model("industry.production_share.profit"))


# Industry keys the tax calendar no longer draws at random, and the message saying what replaced each.
RETIRED_INDUSTRY_KEYS = {
    "cit_exempt_share": "retired_cit_exempt_share",
    "vat_refund_probability": "retired_vat_refund",
    "vat_refund_share": "retired_vat_refund",
}


class Industry(Strict):
    id: Ident
    name: Text
    name_en: Text | None = None
    area: Ident | None = None  # the FTZ area its entities are registered in; needed when there are several
    ftz_entities: int = Field(ge=0, le=MAX_ENTITIES)
    new_per_year: int = Field(default=0, ge=0, le=MAX_ENTITIES)  # the mean of each year's Poisson draw
    new_per_year_growth: float = Field(default=0.0, ge=-0.5, le=1)  # registrations grow (or shrink) yearly
    reinvest_rate_per_year: Rate
    revenue_yuan: RevenueDistribution
    growth: Growth = Field(default_factory=Growth)
    vat_burden: Rate
    profit_margin: float = Field(ge=-1, le=1)
    cit_rate: Rate  # general-size entities
    payroll_share: Rate
    # A project's economics (`sim.model.economics.project_economics`): land = zone output at full production ÷
    # output per hectare (亩均产出), investment = land × investment intensity (投资强度). A scenario that sets
    # `land_ha_per_project` fixes every project's land instead (the older format; investment stays land ×
    # intensity).
    land_ha_per_project: float | None = Field(default=None, gt=0)
    build_months: int = Field(ge=0, le=120)
    rampup_months: int = Field(ge=0, le=120)
    size_mix: SizeMix = Field(default_factory=SizeMix)
    production_share: ProductionShare = Field(default_factory=ProductionShare)
    foreign_share: Rate = Field(default_factory=_model("industry.foreign_share"))
    trade_share: Rate = Field(default_factory=_model("industry.trade_share"))
    investment_yuan_per_ha: Amount = Field(default_factory=_model("industry.investment_yuan_per_ha"), gt=0)
    output_yuan_per_ha: Amount = Field(default_factory=_model("industry.output_yuan_per_ha"), gt=0)
    asset_turnover: float = Field(default_factory=_model("industry.asset_turnover"), gt=0, le=20)
    value_added_ratio: Rate = Field(default_factory=_model("industry.value_added_ratio"))
    exit_rate_per_year: Rate = Field(default_factory=_model("industry.exit_rate_per_year"))
    # Beibu Gulf local CIT exemption (桂政发〔2020〕42号, `sim.model.cit`): whether the industry's new enterprises
    # qualify by their industry; left out, they do if industrial or on a rate below the standard 25% (the
    # Western Development rate of encouraged industries).
    local_cit_exemption: bool | None = None
    # The share of each month's new excess VAT credit refunded (增量留抵退税, `sim.model.vat`); left out, the
    # national share in force (national.vat_credit_refund.incremental_share).
    vat_credit_refund_share: Rate | None = None
    industrial: bool = True  # its output counts as industrial output (规上工业总产值) for the FTZ's targets
    fdi_yuan_per_foreign_entity: Amount = Field(default_factory=_model("industry.fdi_yuan_per_foreign_entity"))

    @model_validator(mode="before")
    @classmethod
    def _retired_keys(cls, data):
        """Keys of the earlier random tax draws, refused with what replaced them (sim/messages.py)."""
        if isinstance(data, dict):
            for key, message in RETIRED_INDUSTRY_KEYS.items():
                if key in data:
                    raise PydanticCustomError(message, "retired key", {"name": key})
        return data

    def registrations(self, year_index: int) -> float:
        """The mean number of new registrations in horizon year `year_index` (the yearly Poisson mean): an FTZ's
        registrations rise for years after it opens, so a constant rate cannot follow them."""
        return self.new_per_year * (1 + self.new_per_year_growth) ** year_index


class Population(Strict):
    seed: int = Field(default=0, ge=0)
    industries: list[Industry] = Field(min_length=1)
    land_patience_months: int = Field(default_factory=_model("population.land_patience_months"), ge=0, le=120)
    give_up_stays_in_ftz: Rate = Field(default_factory=_model("population.give_up_stays_in_ftz"))
    wage_yuan: Amount = Field(default_factory=_model("population.wage_yuan"))
    iit_rate_on_payroll: Rate = Field(default_factory=_model("population.iit_rate_on_payroll"))
    urban_maintenance_rate: Rate = Field(default_factory=_national("urban_maintenance_rate.city"))
    cit_prepay_share: Rate = Field(default_factory=_model("population.cit_prepay_share"))
    # Small/micro CIT: this rate applies to the years up to `small_micro_cit_until`, the dated national rate
    # (national.cit_rate.small_micro) to the years after. The defaults are the national preferential and its
    # last year (5% to 2027), so an unchanged scenario follows the law; a scenario may set either.
    small_micro_cit_rate: Rate = Field(default_factory=lambda: small_micro_preferential()[0])
    small_micro_cit_until: int = Field(default_factory=lambda: small_micro_preferential()[1])
    high_tech_cit_rate: Rate = Field(default_factory=_national("cit_rate.high_tech"))
    building_share_of_investment: Rate = Field(default_factory=_model("population.building_share_of_investment"))
    equipment_share_of_investment: Rate = Field(default_factory=_model("population.equipment_share_of_investment"))
    property_tax_rate: Rate = Field(default_factory=_national("property_tax_rate.on_original_value"))
    land_use_tax_yuan_per_m2: float = Field(default_factory=_model("population.land_use_tax_yuan_per_m2"), ge=0)
    shocks: Shocks = Field(default_factory=Shocks)
    min_land_ha: float = Field(default_factory=_model("population.min_land_ha"), gt=0, le=100)

    @model_validator(mode="after")
    def _unique_industries(self) -> Population:
        ids = [i.id for i in self.industries]
        for index, ident in enumerate(ids):
            if ident in ids[:index]:
                raise PydanticCustomError("duplicate_id", "duplicate", {"value": ident})
        return self

    @model_validator(mode="after")
    def _investment_shares(self) -> Population:
        """Buildings and equipment are parts of one investment (property-tax base and input VAT)."""
        total = self.building_share_of_investment + self.equipment_share_of_investment
        if total > 1 + 1e-9:
            raise PydanticCustomError("investment_shares_sum", "shares above 1", {"total": round(total, 6)})
        return self


class Behavior(Strict):
    """How each side's effort responds to the share it keeps (0 = pure accounting, no response).

    Referral effort multiplies the origin's reinvestment hazard by (origin share / reference) ** elasticity; the
    host's land and service effort scales the land it prepares by (host share / (1 − reference)) ** elasticity
    (`sim.model.reinvestment`). `reference_origin_share` is the share effort is measured against; left out, each
    agreement's own ratio before its schedule changes (the origin share of its first phase), so a constant ratio
    draws neither more nor less effort. Name it to compare designs against one status quo.
    """

    reference_origin_share: Share | None = None
    origin_referral_elasticity: float = Field(
        default_factory=_model("behavior.origin_referral_elasticity"), ge=0, le=10
    )
    host_service_elasticity: float = Field(default_factory=_model("behavior.host_service_elasticity"), ge=0, le=10)
