"""The checks that span fields of a scenario: ids, parties, retention sums, schedules, base rules.

They run as the scenario's model validator, so no way of building a scenario can skip them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sim.errors import InputError
from sim.scenario.types import MAX_TERM_YUAN
from sim.taxes import TAX_IDS

if TYPE_CHECKING:  # the schema calls these checks as its validator, so it cannot be imported here
    from sim.scenario.schema import Agreement, Horizon, Ratio, Scenario


def check_consistency(s: Scenario, source: str) -> None:
    """Checks that span fields: ids, parties, retention sums, schedules, base rules."""

    def fail(where: str, key: str, **params: object) -> None:
        raise InputError(source, where, key, **params)

    _unique([p.id for p in s.parties], "parties", fail)
    _unique([u.id for u in s.tax_rules.upper_levels], "tax_rules.upper_levels", fail)
    _unique([a.id for a in s.agreements], "agreements", fail)
    _check_model_size(s, fail)
    for tax in TAX_IDS:
        total = sum(Decimal(str(u.share.get(tax, 0))) for u in s.tax_rules.upper_levels)
        if total > 1:
            fail("tax_rules.upper_levels", "shares_sum", tax=tax, total=total)
    party_ids = {p.id for p in s.parties}
    pairs: dict[tuple[str, str], str] = {}
    for i, a in enumerate(s.agreements):
        at = f"agreements[{i}]"
        for role in ("origin", "host"):
            if getattr(a, role) not in party_ids:
                fail(f"{at}.{role}", "party_unknown", value=getattr(a, role))
        if a.origin == a.host:
            fail(f"{at}.host", "origin_is_host")
        if (a.origin, a.host) in pairs:
            fail(f"{at}.host", "duplicate_pair", origin=a.origin, host=a.host, other=pairs[(a.origin, a.host)])
        pairs[(a.origin, a.host)] = a.id
        if a.ratio.basis == "years_since_start" and a.base.rule != "zero":
            fail(f"{at}.ratio.basis", "since_start_base")
        _check_base(a, s.horizon, f"{at}.base", fail)
        _check_schedule(a.ratio, s.horizon, f"{at}.ratio", fail)
        for j, item in enumerate(a.cost_sharing):
            if not s.horizon.start_year <= item.year <= s.horizon.end_year:
                fail(
                    f"{at}.cost_sharing[{j}].year",
                    "cost_year_outside",
                    year=item.year,
                    first=s.horizon.start_year,
                    last=s.horizon.end_year,
                )
        _check_cost_sums(a, at, fail)


def _check_cost_sums(a: Agreement, at: str, fail: Any) -> None:
    """A year's cost items add up within the bound of one amount, so no sum of fen can wrap around int64."""
    by_year: dict[int, Decimal] = {}
    for j, item in enumerate(a.cost_sharing):
        by_year[item.year] = by_year.get(item.year, Decimal(0)) + item.amount_yuan
        if by_year[item.year] > MAX_TERM_YUAN:
            fail(f"{at}.cost_sharing[{j}].amount_yuan", "cost_sum_range", year=item.year, limit=MAX_TERM_YUAN)


def _check_model_size(s: Scenario, fail: Any) -> None:
    """A simulated run small enough for memory: entities, entity-years and expected zone project-years within
    the limits set (and measured) in `sim.scenario.population`."""
    from sim.scenario.population import MAX_ENTITIES, MAX_ENTITY_YEARS, MAX_PROJECT_YEARS

    pop, years = s.population, s.horizon.years
    if pop is None:
        return
    registered = [i.ftz_entities + sum(i.registrations(k) for k in range(years)) for i in pop.industries]
    entities = sum(registered)
    if entities > MAX_ENTITIES:
        fail("population.industries", "too_many_entities", total=entities, years=years, limit=MAX_ENTITIES)
    if entities * years > MAX_ENTITY_YEARS:
        fail("population.industries", "too_many_entity_years", total=entities * years, limit=MAX_ENTITY_YEARS)
    # Projects: each entity reinvests at most once, at its yearly hazard (which referral effort can raise up to
    # the largest (share / reference share) ** elasticity of any schedule) over the horizon. Every project —
    # in a zone, or staying in the FTZ in either world — has its rows in the tax calendar's matrices.
    behavior = s.behavior
    referral = max(
        _most_effort(a.ratio, reference, behavior)
        for a, reference in zip(s.agreements, s.reference_origin_shares(), strict=True)
    )

    # (the stock decides in every year, the cohort registered in year k from year k + 1 on)
    def attempts(i, n: float, decision_years: int) -> float:
        return n * (1 - (1 - min(1.0, i.reinvest_rate_per_year * referral)) ** decision_years)

    projects = sum(
        attempts(i, i.ftz_entities, years) + sum(attempts(i, i.registrations(k), years - k - 1) for k in range(years))
        for i in pop.industries
    )
    # every landed project has a row for each month of the horizon in the tax calendar's matrices
    if projects * years > MAX_PROJECT_YEARS:
        fail("population.industries", "too_many_project_years", total=round(projects * years), limit=MAX_PROJECT_YEARS)


def _unique(ids: list[str], where: str, fail: Any) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            fail(f"{where}[{i}].id", "duplicate_id", value=ident)
        seen.add(ident)


def _check_base(a: Agreement, horizon: Horizon, at: str, fail: Any) -> None:
    if a.base.rule == "base_year":
        if a.base.year is None:
            fail(f"{at}.year", "base_year_required")
        elif a.base.year > horizon.start_year:
            fail(f"{at}.year", "base_year_late", year=a.base.year, start=horizon.start_year)
    elif a.base.year is not None:
        fail(f"{at}.year", "base_year_only")


def _check_schedule(ratio: Ratio, horizon: Horizon, at: str, fail: Any) -> None:
    """Phases in order, contiguous, only the last open-ended, covering the horizon."""
    first, last = (horizon.start_year, horizon.end_year) if ratio.basis == "calendar_year" else (1, horizon.years)
    phases = ratio.schedule
    for j, phase in enumerate(phases):
        where = f"{at}.schedule[{j}]"
        if phase.end is not None and phase.end < phase.start:
            fail(f"{where}.to", "schedule_to_before_from", to=phase.end, start=phase.start)
        if phase.end is None and j != len(phases) - 1:
            fail(f"{where}.to", "schedule_open_end")
        if j:
            previous_end = phases[j - 1].end
            assert previous_end is not None  # only the last phase is open-ended
            if phase.start <= previous_end:
                fail(f"{where}.from", "schedule_order")
            if phase.start > previous_end + 1:
                fail(f"{where}.from", "schedule_gap", year=previous_end + 1)
    end = phases[-1].end
    if phases[0].start > first or (end is not None and end < last):
        fail(f"{at}.schedule", "schedule_cover", first=first, last=last)


def _most_effort(ratio, reference: float, behavior) -> float:
    """The largest referral effort an agreement's schedule can draw (`sim.model.reinvestment.effort`)."""
    elasticity = behavior.origin_referral_elasticity if behavior else 0.0
    if elasticity == 0 or reference == 0:
        return 1.0
    return max(float(p.origin) / reference for p in ratio.schedule) ** elasticity
