"""The scenario: what a city has agreed (parties, agreements, ratios, terms) and, for projections, the model.

Importing this package gives the validated schema only; reading files is `sim.scenario.loading`.
"""

from sim.scenario.schema import (
    Agreement,
    Assessment,
    Horizon,
    Party,
    Ratio,
    Region,
    Scenario,
    Targets,
    TaxRules,
)
from sim.scenario.types import fen, ppm

__all__ = [
    "Agreement",
    "Assessment",
    "Horizon",
    "Party",
    "Ratio",
    "Region",
    "Scenario",
    "Targets",
    "TaxRules",
    "fen",
    "ppm",
]
