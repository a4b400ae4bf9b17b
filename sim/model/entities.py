"""The FTZ's market entities: who they are and what they earn each year, drawn in bulk with numpy.

Entities are registered in an FTZ area by industry — the stock at the start and new registrations each
year — each with a size class (and so a CIT regime), foreign investment or not, and a revenue path:
lognormal at registration, then yearly growth: the entity's own, the common shocks of its region and industry
that year (`common_shocks`), and occasional firm-specific shocks.

The size class follows the statutory small low-profit test (`sim.model.economics.small_low_profit`) on the
entity's own figures in its first year (revenue, profit, employees, assets); high-tech status is a drawn
certification. A scenario giving a full `size_mix` draws the classes instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.economics import firm_figures, small_low_profit
from sim.parameters import parameter
from sim.scenario.population import Industry, Population

SMALL, GENERAL, HIGH_TECH = 0, 1, 2


def size_class(small_low_profit: np.ndarray, high_tech: np.ndarray) -> np.ndarray:
    """SMALL where the small low-profit test holds — its rate (5% to 2027) is below high-tech's 15% and the two
    reliefs do not stack, so a certified firm takes the lower — else HIGH_TECH where certified, else GENERAL.
    Any shapes that broadcast ([entity] or [entity, year])."""
    return np.where(small_low_profit, SMALL, np.where(high_tech, HIGH_TECH, GENERAL)).astype(np.int64)


def cit_rates(population: Population, industry: np.ndarray, size: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The CIT rate [entity, year] of entities of `industry` and `size` class in calendar `years`: the one place
    the rate by size class and date is worked out (DOMAIN.md §2). `size` is one class per entity [entity] or
    one per entity and year [entity, len(years)].

    Small/micro: the scenario's `small_micro_cit_rate` to `small_micro_cit_until` (by default the national
    5% preferential, to 2027), then the dated national rate (national.cit_rate.small_micro: 20% from 2028).
    High-tech: `high_tech_cit_rate` (15%). General: the industry's `cit_rate`.
    """
    small_micro = parameter("national.cit_rate.small_micro")
    # years before the first dated value (the 2008 Enterprise Income Tax Law) are not modelled: they take it
    small = np.array(
        [
            population.small_micro_cit_rate
            if year <= population.small_micro_cit_until
            else float(small_micro.at(max(int(year), small_micro.first_year)))
            for year in years
        ],
        np.float64,
    )
    general = np.array([i.cit_rate for i in population.industries], np.float64)[industry][:, None]
    size = np.asarray(size)
    size = size[:, None] if size.ndim == 1 else size
    return np.where(size == SMALL, small[None, :], np.where(size == HIGH_TECH, population.high_tech_cit_rate, general))


def entity_ids(index: np.ndarray) -> np.ndarray:
    """The ids simulated entities carry in ledgers, statistics and events: "E0000042", seven digits (a run
    registers at most `MAX_ENTITIES`, fewer than 10⁷). Written digit by digit as UCS-4 code points: four times
    faster than `np.char.mod("E%07d")`."""
    index = np.asarray(index, np.int64)
    codes = np.empty((len(index), 8), np.uint32)
    codes[:, 0] = ord("E")
    codes[:, 1:] = index[:, None] // 10 ** np.arange(6, -1, -1, dtype=np.int64) % 10 + ord("0")
    return codes.view("U8").ravel().astype(object)


@dataclass
class Entities:
    """Columns of the entity table; grows as cohorts register."""

    industry: np.ndarray  # index into population.industries
    area: np.ndarray  # index into scenario.parties
    size: np.ndarray  # SMALL / GENERAL / HIGH_TECH in the entity's first year (`size_class`)
    high_tech: np.ndarray  # bool: certified high and new technology enterprise
    foreign: np.ndarray  # bool
    registered_year: np.ndarray  # year index; −1 for the stock registered before the horizon
    revenue: np.ndarray  # [entity, year] yuan, 0 before registration

    def __len__(self) -> int:
        return len(self.industry)

    def append(self, other: Entities) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))


def register(
    rng: np.random.Generator,
    population: Population,
    areas: list[int],
    counts: list[int],
    year_index: int,
    years: int,
    stock: bool = False,
    *,
    common: np.ndarray,
) -> Entities:
    """A cohort: `counts[i]` entities of industry i in area `areas[i]`, earning from year `year_index` on;
    `stock` marks the entities already registered when the horizon starts (registered_year −1). `common` is the
    replication's common shocks [industry, horizon year] (`common_shocks`)."""
    industry = np.repeat(np.arange(len(counts)), counts)
    n = len(industry)
    specs = population.industries
    # one uniform draw per entity decides its class: by the drawn mix, or whether it is certified high-tech
    draw = rng.random(n)
    foreign = rng.random(n) < np.array([i.foreign_share for i in specs])[industry]
    median = np.array([i.revenue_yuan.median for i in specs])[industry]
    sigma = np.array([i.revenue_yuan.sigma for i in specs])[industry]
    first = median * np.exp(sigma * rng.standard_normal(n))
    revenue = np.zeros((n, years))
    revenue[:, year_index:] = first[:, None] * _growth_path(
        rng, specs, industry, years - year_index, common[:, year_index:]
    )
    high_tech = draw < np.array([i.size_mix.high_tech for i in specs])[industry]
    size = size_class(small_low_profit(**firm_figures(population, industry, first)), high_tech)
    drawn = np.array([i.size_mix.drawn for i in specs], bool)[industry]
    if drawn.any():
        mix = np.array([[i.size_mix.small_micro or 0.0, i.size_mix.general or 0.0] for i in specs])[industry]
        by_mix = np.where(draw <= mix[:, 0], SMALL, np.where(draw <= mix.sum(axis=1), GENERAL, HIGH_TECH))
        size = np.where(drawn, by_mix, size)
        high_tech = np.where(drawn, by_mix == HIGH_TECH, high_tech)
    return Entities(
        industry=industry,
        area=np.array(areas, np.int64)[industry] if n else np.zeros(0, np.int64),
        size=size.astype(np.int64),
        high_tech=high_tech,
        foreign=foreign,
        registered_year=np.full(n, -1 if stock else year_index, np.int64),
        revenue=revenue,
    )


def common_shocks(rng: np.random.Generator, population: Population, years: int) -> np.ndarray:
    """The replication's common shocks to revenue growth [industry, horizon year]: the regional (macro) shock of
    each year, shared by every entity, plus each industry's shock that year, shared by its entities (normal,
    `population.shocks`). Drawn once per replication; a shock whose sd is 0 draws nothing, so a scenario
    without common shocks keeps exactly the random stream it had."""
    shocks = population.shocks
    out = np.zeros((len(population.industries), years))
    if shocks.macro_sd > 0:
        out += shocks.macro_sd * rng.standard_normal(years)[None, :]
    if shocks.industry_sd > 0:
        out += shocks.industry_sd * rng.standard_normal(out.shape)
    return out


def _growth_path(
    rng: np.random.Generator, specs: list[Industry], industry: np.ndarray, years: int, common: np.ndarray
) -> np.ndarray:
    """Cumulative revenue factors [entity, year]: year 0 is 1, then (1 + growth) × (1 − shock) each year, where
    growth is the entity's own normal(mean, sd) plus the common shock of its industry that year
    (`common[industry, year]`; year 0's is not used: revenue is drawn at its level that year)."""
    n = len(industry)
    mean = np.array([s.growth.mean for s in specs])[industry][:, None]
    sd = np.array([s.growth.sd for s in specs])[industry][:, None]
    shock_p = np.array([s.growth.shock_probability for s in specs])[industry][:, None]
    shock_loss = np.array([s.growth.shock_loss for s in specs])[industry][:, None]
    growth = np.maximum(1 + mean + sd * rng.standard_normal((n, years)) + common[industry], 0.0)
    shocks = np.where(rng.random((n, years)) < shock_p, 1 - shock_loss, 1.0)
    factors = growth * shocks
    factors[:, 0] = 1.0
    return np.cumprod(factors, axis=1)
