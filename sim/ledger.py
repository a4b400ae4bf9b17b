"""Tax records (the ledger) and indicator records as arrays: what a tax bureau export or a simulation holds.

One row per entity × period × tax type (DOMAIN.md §4). Real records (`sim.records`) and simulated ones
(`sim.model.tax_calendar`) are the same `Ledger`, so settlement and projection run through one core.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import InputError


@dataclass(frozen=True)
class Ledger:
    """Tax rows as arrays; `agreement` indexes `scenario.agreements`, `tax` indexes `TAX_IDS`."""

    source: str
    entity_ids: np.ndarray  # unique entity ids (object)
    entity: np.ndarray  # int64 index into entity_ids
    agreement: np.ndarray
    year: np.ndarray
    month: np.ndarray  # 0 = an annual figure
    tax: np.ndarray
    amount: np.ndarray  # fen
    central: np.ndarray  # fen, meaningful where has_central
    has_central: np.ndarray
    start_year: np.ndarray  # resolved: given, or the entity's first year under the agreement
    row_numbers: np.ndarray
    # rows that repeat an earlier row's entity, agreement (origin and zone), year, month and tax type: summed
    # with it like any rows of one cell, and counted when a file is read so the summary can say so
    duplicate_rows: int = 0

    def __len__(self) -> int:
        return len(self.amount)

    def error(self, position: int, key: str, **params: object) -> InputError:
        return InputError(self.source, f"row {int(self.row_numbers[position])}", key, **params)


@dataclass(frozen=True)
class StatisticsRecords:
    source: str
    entity: np.ndarray  # object ids ("" when the figure is for the zone as a whole)
    agreement: np.ndarray
    year: np.ndarray
    indicator: np.ndarray  # index into INDICATORS
    value: np.ndarray  # fen for money indicators, whole units for counts
    row_numbers: np.ndarray
