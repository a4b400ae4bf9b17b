"""Progress of the FTZ against its targets (seeds/001), year by year, and the year each is reached.

Amounts compare directly; `entities_multiple` compares each year's count with the starting stock — the entities
registered before the horizon, i.e. before year 1's registrations (the indicator series counts entities at the end
of each year, so its first value already holds year 1's newcomers: dividing by it understates the multiple and can
flip the verdict); the two shares compare the FTZ's FDI and trade with the region's totals, grown from their year
at `region.growth`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import Targets


@dataclass(frozen=True)
class TargetProgress:
    target: str
    goal: float
    values: np.ndarray  # per horizon year, in the target's own unit (yuan, a multiple, a share)
    reached_year: int | None  # first year the goal is met
    met_by_target_year: bool | None  # None when the target year is outside the horizon


def starting_stock(simulation) -> float:
    """The FTZ's entities when the horizon starts: those registered before it (`registered_year` −1)."""
    return float((simulation.entities.registered_year < 0).sum())


def progress(
    targets: Targets, indicators: dict[str, np.ndarray], start_year: int, entities_at_start: float
) -> list[TargetProgress]:
    """Each target's yearly value and verdict. `entities_at_start` is the starting stock (`starting_stock`);
    with none (an FTZ simulated from its opening) the multiple is not defined and is left out (NaN, no verdict)."""
    years = start_year + np.arange(len(indicators["entities"]))
    rows: list[tuple[str, float, np.ndarray]] = []
    if targets.tax_revenue_yuan is not None:
        rows.append(("tax_revenue_yuan", targets.tax_revenue_yuan, indicators["tax_revenue"]))
    if targets.industrial_output_yuan is not None:
        rows.append(("industrial_output_yuan", targets.industrial_output_yuan, indicators["industrial_output"]))
    if targets.entities_multiple is not None:
        count = np.asarray(indicators["entities"], float)
        multiple = count / entities_at_start if entities_at_start > 0 else np.full(len(count), np.nan)
        rows.append(("entities_multiple", targets.entities_multiple, multiple))
    region = targets.region
    if region is not None:
        factor = (1 + region.growth) ** (years - region.year)
        if targets.fdi_share_of_region is not None:
            rows.append(
                ("fdi_share_of_region", targets.fdi_share_of_region, indicators["fdi"] / (region.fdi_yuan * factor))
            )
        if targets.trade_share_of_region is not None:
            rows.append(
                (
                    "trade_share_of_region",
                    targets.trade_share_of_region,
                    indicators["trade"] / (region.trade_yuan * factor),
                )
            )
    out = []
    for name, goal, values in rows:
        reached = np.flatnonzero(values >= goal)
        inside = years[0] <= targets.year <= years[-1] and not np.isnan(values).all()
        out.append(
            TargetProgress(
                target=name,
                goal=float(goal),
                values=values,
                reached_year=int(years[reached[0]]) if len(reached) else None,
                met_by_target_year=bool(values[targets.year - years[0]] >= goal) if inside else None,
            )
        )
    return out
