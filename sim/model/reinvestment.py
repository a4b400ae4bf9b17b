"""Where an entity decides to reinvest: a yearly draw per entity without a project against its industry's
hazard, raised or lowered by the origin's referral effort where an agreement is open for its FTZ area.

The decision belongs to the firm; the agreement only says where the project goes (a zone, or the FTZ / out of
the region without one, `sim.model.simulation`). So the uniform draws are drawn once (`Draws.decision`) and
both worlds — with and without the agreement — compare the same draws with their own hazard.

Effort responds to the share a side keeps relative to a reference share (the scenario's `behavior`):
(share / reference) ** elasticity. The reference (`Scenario.reference_origin_shares`) is
`behavior.reference_origin_share` when the scenario names it, else the origin share of the first phase of each
agreement's schedule — the ratio in force before the schedule changed it — so a ratio that never changes, or an
elasticity of 0, leaves the hazard as it is. The
same response scales the land a host prepares, against the host's reference share (1 − the origin's).
"""

from __future__ import annotations

import numpy as np

from sim.model.entities import Entities
from sim.scenario.population import Population


def effort(share: float, elasticity: float, reference: float) -> float:
    """How hard a side works for the agreement when it keeps `share` instead of its `reference` share (1 at the
    reference). A side whose reference is 0 has nothing to respond against: effort 1."""
    if elasticity == 0 or reference == 0:
        return 1.0
    return (share / reference) ** elasticity


def decide(
    population: Population, entities: Entities, draws: np.ndarray, eligible: np.ndarray, referral: np.ndarray
) -> np.ndarray:
    """This year's decisions: the entities (indexes, ascending) that reinvest.

    `draws` is each entity's uniform for the year, `eligible` marks those registered before the year without a
    project, `referral` the origin's effort for each entity (1 where no agreement is open for its area)."""
    hazard = np.array([i.reinvest_rate_per_year for i in population.industries])[entities.industry] * referral
    return np.flatnonzero(eligible & (draws < hazard))
