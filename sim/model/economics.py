"""A project's economics: the land it needs and what it invests there, from the firm behind it.

The one place a project's size is worked out; the simulation records the result per project
(`Projects.land_ha`, `Projects.investment`) and everything downstream — land queues, investment statistics,
property and land-use tax, input VAT — reads those columns.
"""

from __future__ import annotations

import numpy as np

from sim.model.entities import Entities
from sim.scenario.population import Population


def project_economics(population: Population, entities: Entities, entity: np.ndarray, year: np.ndarray) -> dict:
    """Land (ha) and fixed-asset investment (yuan) of the projects of `entity` started in horizon `year` index."""
    specs = population.industries
    industry = entities.industry[np.asarray(entity, np.int64)]
    land = np.array([i.land_ha_per_project for i in specs], np.float64)[industry]
    per_ha = np.array([i.investment_yuan_per_ha for i in specs], np.float64)[industry]
    return {"land_ha": land, "investment": land * per_ha}
