"""The ledger summed once to (agreement, year, tax type, years since start).

Everything the sharing core needs is in this small dense cube, so a new ratio schedule — what a slider
in the app does — is a re-split of the cube in milliseconds, never a pass over the ledger again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.ledger import Ledger
from sim.scenario import Scenario
from sim.taxes import TAX_IDS


@dataclass(frozen=True)
class Cube:
    first_year: int  # calendar year of index 0 on the year axis
    total: np.ndarray  # int64 fen [agreement, year, tax, age-1]
    central_given: np.ndarray  # Σ central over rows that carry it
    uncentred: np.ndarray  # Σ amount over rows that do not (their central part is apportioned)
    present: np.ndarray  # bool [agreement, year, tax]: the ledger has rows there

    @property
    def years(self) -> np.ndarray:
        return self.first_year + np.arange(self.total.shape[1])

    def year_span(self, agreement: int) -> tuple[int, int] | None:
        """First and last year index with ledger rows for an agreement; None when it has none."""
        rows = np.flatnonzero(self.present[agreement].any(axis=1))
        return (int(rows[0]), int(rows[-1])) if len(rows) else None


def build_cube(ledger: Ledger, scenario: Scenario) -> Cube:
    h = scenario.horizon
    base_years = [a.base.year for a in scenario.agreements if a.base.rule == "base_year"]
    first_year = min([h.start_year, *base_years])
    shape = (
        len(scenario.agreements),
        h.end_year - first_year + 1,
        len(TAX_IDS),
        int((ledger.year - ledger.start_year).max(initial=0)) + 1,
    )
    flat = np.ravel_multi_index(
        (ledger.agreement, ledger.year - first_year, ledger.tax, ledger.year - ledger.start_year), shape
    )
    size = int(np.prod(shape))

    def summed(values: np.ndarray) -> np.ndarray:
        out = np.zeros(size, np.int64)
        np.add.at(out, flat, values)
        return out.reshape(shape)

    present = np.zeros(size, bool)
    present[flat] = True
    given = ledger.has_central
    return Cube(
        first_year=first_year,
        total=summed(ledger.amount),
        central_given=summed(np.where(given, ledger.central, 0)),
        uncentred=summed(np.where(given, 0, ledger.amount)),
        present=present.reshape(shape).any(axis=3),
    )
