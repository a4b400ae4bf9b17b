"""Where an entity decides to reinvest in a collaborative zone: a yearly Bernoulli draw per entity without a
project, at its industry's hazard, raised or lowered by the origin's referral effort.

Effort responds to the share a side keeps (the scenario's `behavior` elasticities): (share / 0.5) ** elasticity,
so an elasticity of 0 — pure accounting — leaves the hazard as it is. The same response scales the land a host
prepares (`sim.model.simulation`).
"""

from __future__ import annotations

import numpy as np

from sim.model.entities import Entities
from sim.scenario.population import Population


def effort(share: float, elasticity: float) -> float:
    """How hard a side works for the agreement when it keeps `share` of the increment (1 at 50:50)."""
    return 1.0 if elasticity == 0 else (share / 0.5) ** elasticity


def decide(
    rng: np.random.Generator,
    population: Population,
    entities: Entities,
    has_project: np.ndarray,
    referral: dict[int, float],
) -> tuple[np.ndarray, np.ndarray]:
    """This year's decisions: the entities that reinvest and the month (0–11) each starts looking for land.

    `referral[area]` is the origin's effort in each FTZ area with an open zone; entities of an area without one
    cannot reinvest this year (effort 0)."""
    hazard = np.array([i.reinvest_rate_per_year for i in population.industries])[entities.industry]
    for area in np.unique(entities.area):
        hazard = np.where(entities.area == area, hazard * referral.get(int(area), 0.0), hazard)
    draws = rng.random(len(entities))
    chosen = np.flatnonzero(~has_project & (draws < hazard))
    return chosen, rng.integers(0, 12, len(chosen))
