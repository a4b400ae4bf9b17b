"""Explain this number: the chain from a cell's total tax to each party's part, with the amount at each step.

total → central → each upper level → pool → base / stock → increment → deficit repaid or carried → the amount
split → the ratio in force → the origin's part → sunset, cap, floor → origin and host. The chain adds up: the
parts at the end sum to the total at the start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.outputs.presentation import Names, base_text
from sim.errors import InputError, suggestion
from sim.messages import render
from sim.scenario import Agreement, Scenario
from sim.sharing.split import Allocation
from sim.taxes import TAX_IDS


@dataclass(frozen=True)
class Step:
    key: str  # message key of the step's label
    fen: int | None  # None for the ratio
    detail: str = ""
    name: str = ""  # the label when it is not a message: an upper level's name, in the reader's language


def explain(
    allocation: Allocation, scenario: Scenario, agreement: str, year: int, tax: str, source: str, lang: str = "zh"
) -> list[Step]:
    ids = [a.id for a in scenario.agreements]
    if agreement not in ids:
        raise InputError(source, "--agreement", "variant_unknown_id", value=agreement, **suggestion(agreement, ids))
    if tax not in TAX_IDS:
        raise InputError(source, "--tax", "tax_unknown", value=tax, **suggestion(tax, TAX_IDS))
    a, y, k = ids.index(agreement), year - allocation.first_year, TAX_IDS.index(tax)
    if not (0 <= y < allocation.total.shape[1]) or not allocation.rows[a, y, k]:
        raise InputError(source, "--year", "explain_no_row", agreement=agreement, year=year, tax=tax)
    cell = (a, y, k)

    def fen(name: str) -> int:
        return int(getattr(allocation, name)[cell])

    steps = [Step("total", fen("total")), Step("central", fen("central")), Step("local", fen("total") - fen("central"))]
    names = Names(scenario, lang)  # an upper level's name, in the reader's language
    for j, level in enumerate(allocation.upper_ids):
        steps.append(Step(f"upper:{level}", int(allocation.upper[cell][j]), name=names.party(level)))
    agreement_terms = scenario.agreements[a]
    steps += [
        Step("pool", fen("pool")),
        Step("base", fen("base"), base_source(agreement_terms, lang)),
        Step("increment", fen("increment")),
    ]
    steps += [
        Step("repaid", fen("repaid")),
        Step("deficit", fen("deficit")),
        Step("to_stock", fen("to_stock"), render(f"stock_to_{agreement_terms.stock_to}", lang)),
    ]
    ratio = allocation.ratio[cell]
    steps += [Step("split", fen("split")), Step("ratio", None, "" if np.isnan(ratio) else f"{ratio:.6f}")]
    steps += [Step("origin_split", fen("origin_split"))]
    steps += [Step(name, fen(name)) for name in ("sunset_adj", "cap_adj", "floor_adj")]
    steps += [Step("origin", fen("origin")), Step("host", fen("host"))]
    return steps


def base_source(a: Agreement, lang: str = "zh") -> str:
    """Where a cell's base came from: the zero rule, or the pool of the base year (grown)."""
    return render("step_base_zero", lang) if a.base.rule == "zero" else base_text(a.base, lang)


def label(step: Step, lang: str = "zh") -> str:
    return step.name or render(f"step_{step.key}", lang)


def tuned_ratio(tuning, share: float | None = None, lang: str = "zh") -> list[tuple[str, str]]:
    """Why a tuned ratio is feasible (`analysis.tuning.Tuning`; default: the tuned ratio): see `feasibility`."""
    share = tuning.tuned if share is None else share
    if share is None:
        return []
    sample = tuning.samples[share]
    origin, host = tuning.party_ids
    at = {
        party: (float(getattr(sample, side).mean()), float((getattr(sample, side) > 0).mean()))
        for side, party in (("origin", origin), ("host", host))
    }
    even = {origin: tuning.candidates["break_even_origin"], host: tuning.candidates["break_even_host"]}
    return feasibility(tuning.scenario, share, at, even, lang)


def feasibility(
    scenario, share: float, at: dict[str, tuple[float, float]], break_even: dict[str, float | None], lang: str = "zh"
) -> list[tuple[str, str]]:
    """The lines that explain a ratio: for each party (origin, then host) its expected 10-year gain against the
    no-agreement world at `share` (yuan, present value), the chance it gains, and the share where it breaks even.
    `at[party]` is (mean gain, probability of a gain) — from a tuning in memory or its `tuning.csv`."""
    from analysis.outputs.presentation import Names

    names = Names(scenario, lang)
    lines = [(render("tune_explain_at", lang, share=f"{share:.6f}"), "")]
    for party, (gain, positive) in at.items():
        name = names.party(party)
        lines.append((render("tune_explain_gain", lang, party=name), f"{gain:,.2f} {render('unit_yuan', lang)}"))
        lines.append((render("tune_explain_positive", lang, party=name), f"{positive:.0%}"))
        even = break_even[party]
        lines.append(
            (
                render("tune_explain_break_even", lang, party=name),
                render("tune_none", lang) if even is None else f"{even:.6f}",
            )
        )
    return lines
