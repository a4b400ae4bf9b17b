"""Compare scenarios or ratio designs: what each party receives, when, discounted, net of joint costs.

Every file is validated before anything runs. Cases whose simulations would be identical (same simulation
key — a variant changing only the sharing terms) are re-split from one simulation instead of simulated again.
Amounts are the mean over replications with the 5–95% range; differences are against the baseline case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.projection import HOST, HOST_NET, ORIGIN, ORIGIN_NET, Projection, project, resplit, simulation_key
from analysis.targets import progress
from sim.indicators import INDICATORS
from sim.model.ftz_indicators import ftz_indicators
from sim.model.simulation import check_simulatable
from sim.scenario import Scenario
from sim.scenario.loading import load_scenario
from sim.sharing.statistics import RULES


@dataclass(frozen=True)
class Case:
    label: str  # the file's stem: an ASCII id for tables
    path: Path
    projection: Projection

    @property
    def scenario(self) -> Scenario:
        return self.projection.scenario


@dataclass(frozen=True)
class Comparison:
    cases: list[Case]
    baseline: int
    discount_rate: float

    def party_receipts(self, case: Case) -> dict[str, tuple[str, np.ndarray, np.ndarray]]:
        """party id → (role, receipts [replication, year], net benefit [replication, year]) in fen."""
        out: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}
        r = case.projection.receipts
        for i, a in enumerate(case.scenario.agreements):
            for party, role, column, net in (
                (a.origin, "origin", ORIGIN, ORIGIN_NET),
                (a.host, "host", HOST, HOST_NET),
            ):
                if party in out:
                    _, got, got_net = out[party]
                    out[party] = (out[party][0], got + r[:, i, :, column], got_net + r[:, i, :, net])
                else:
                    out[party] = (role, r[:, i, :, column].copy(), r[:, i, :, net].copy())
        return out


def compare(
    paths: list[Path],
    seed: int | None = None,
    replications: int = 1,
    workers: int = 1,
    discount_rate: float = 0.03,
    baseline: int = 0,
    progress_step: Callable[[int], None] | None = None,
) -> Comparison:
    scenarios = [load_scenario(p) for p in paths]
    for path, s in zip(paths, scenarios, strict=True):
        check_simulatable(s, str(path))
    computed: dict[str, Projection] = {}
    cases = []
    for path, s in zip(paths, scenarios, strict=True):
        key = simulation_key(s)
        if key in computed:
            projection = resplit(s, computed[key])
        else:
            projection = project(s, s.population.seed if seed is None else seed, replications, workers, progress_step)
            computed[key] = projection
        cases.append(Case(Path(path).stem, Path(path), projection))
    return Comparison(cases, baseline, discount_rate)


def yearly_table(c: Comparison) -> pd.DataFrame:
    """One row per case × party × year: receipts (mean, 5%, 95%), cumulative, discounted, net, vs baseline."""
    base = c.cases[c.baseline]
    base_parties = c.party_receipts(base)
    rows = []
    for case in c.cases:
        s = case.scenario
        years = s.horizon.start_year + np.arange(s.horizon.years)
        discount = (1 + c.discount_rate) ** -(years - s.horizon.start_year)
        names = {p.id: p.name for p in s.parties}
        for party, (role, receipts, net) in c.party_receipts(case).items():
            mean = receipts.mean(axis=0)
            low, high = np.percentile(receipts, [5, 95], axis=0)
            base_mean = None
            if party in base_parties and len(base_parties[party][1][0]) == len(mean):
                base_mean = base_parties[party][1].mean(axis=0)
            for y, year in enumerate(years):
                rows.append(
                    {
                        "scenario": case.label,
                        "party": party,
                        "party_name": names[party],
                        "role": role,
                        "year": int(year),
                        "receipts": mean[y],
                        "receipts_p5": low[y],
                        "receipts_p95": high[y],
                        "cumulative": mean[: y + 1].sum(),
                        "discounted": mean[y] * discount[y],
                        "cumulative_discounted": (mean[: y + 1] * discount[: y + 1]).sum(),
                        "net_benefit": net.mean(axis=0)[y],
                        "vs_baseline": None if base_mean is None else mean[y] - base_mean[y],
                    }
                )
    return pd.DataFrame(rows)


def summary_table(c: Comparison) -> pd.DataFrame:
    """One row per case × party: totals over the horizon."""
    yearly = yearly_table(c)
    grouped = yearly.groupby(["scenario", "party", "party_name", "role"], sort=False)
    table = grouped.agg(
        receipts=("receipts", "sum"), npv=("discounted", "sum"), net_benefit=("net_benefit", "sum")
    ).reset_index()
    ranges = pd.DataFrame(
        [
            (case.label, party, *np.percentile(receipts.sum(axis=1), [5, 95]))
            for case in c.cases
            for party, (_role, receipts, _net) in c.party_receipts(case).items()
        ],
        columns=["scenario", "party", "receipts_p5", "receipts_p95"],
    )
    table = table.merge(ranges, on=["scenario", "party"], how="left", validate="one_to_one")
    base = table[table["scenario"] == c.cases[c.baseline].label].set_index("party")
    table["vs_baseline"] = [
        r.receipts - base.loc[r.party, "receipts"] if r.party in base.index else None for r in table.itertuples()
    ]
    table["npv_vs_baseline"] = [
        r.npv - base.loc[r.party, "npv"] if r.party in base.index else None for r in table.itertuples()
    ]
    return table


def statistics_table(c: Comparison) -> pd.DataFrame:
    """Indicators credited to each side over the horizon (first replication)."""
    rows = []
    for case in c.cases:
        stats = case.projection.first.settlement.statistics
        if stats is None:
            continue
        for k, name in enumerate(INDICATORS):
            chosen = stats.indicator == k
            money = name not in ("employment", "entities")
            scale = 100 if money else 1
            rows.append(
                {
                    "scenario": case.label,
                    "indicator": name,
                    "rules": ",".join(sorted({RULES[r] for r in stats.rule[chosen]})),
                    "total": stats.total[chosen].sum() / scale,
                    "origin": stats.origin[chosen].sum() / scale,
                    "host": stats.host[chosen].sum() / scale,
                    "unit": "yuan" if money else "count",
                }
            )
    return pd.DataFrame(rows)


def assessment_table(c: Comparison) -> pd.DataFrame:
    rows = []
    for case in c.cases:
        sim = case.projection.first.simulation
        for record in sim.assessments:
            a = case.scenario.agreements[record.agreement]
            growth = record.verdict.growth
            rows.append(
                {
                    "scenario": case.label,
                    "agreement": a.id,
                    "zone": a.host,
                    "year": record.year,
                    **{f"{k}_growth": (None if v is None else round(v, 6)) for k, v in growth.items()},
                    "awards": record.awards,
                    "points": round(record.verdict.points, 4),
                    "passed": record.verdict.passed,
                    "revoked_this_year": sim.revoked.get(record.agreement) == record.year,
                }
            )
    return pd.DataFrame(rows)


def targets_table(c: Comparison) -> pd.DataFrame:
    rows = []
    for case in c.cases:
        s = case.scenario
        if s.targets is None:
            continue
        for item in progress(s.targets, ftz_indicators(case.projection.first.simulation), s.horizon.start_year):
            for y, value in enumerate(item.values):
                rows.append(
                    {
                        "scenario": case.label,
                        "target": item.target,
                        "goal": item.goal,
                        "year": s.horizon.start_year + y,
                        "value": value,
                        "progress": value / item.goal if item.goal else None,
                        "reached_year": item.reached_year,
                        "met_by_target_year": item.met_by_target_year,
                    }
                )
    return pd.DataFrame(rows)


def assumptions_table(c: Comparison) -> pd.DataFrame:
    rows = []
    for case in c.cases:
        s = case.scenario
        for a in s.agreements:
            phases = "; ".join(f"{p.start}–{p.end or '…'}: {p.origin:g}" for p in a.ratio.schedule)
            terms = [f"{a.ratio.basis} [{phases}]", f"base {a.base.rule}", f"negative {a.negative_increment}"]
            if a.cap.origin_cumulative_yuan is not None:
                terms.append(f"cap {a.cap.origin_cumulative_yuan:,.0f}")
            if a.floor.host_yearly_yuan is not None:
                terms.append(f"floor {a.floor.host_yearly_yuan:,.0f}")
            if a.sunset_year is not None:
                terms.append(f"sunset {a.sunset_year}")
            rows.append(
                {
                    "scenario": case.label,
                    "name": s.name,
                    "file": str(case.path),
                    "sha256": s.sha256(),
                    "computed": "re-split" if case.projection.resplit else "simulated",
                    "seed": case.projection.seed,
                    "replications": len(case.projection.outcomes),
                    "agreement": a.id,
                    "origin": a.origin,
                    "host": a.host,
                    "terms": "; ".join(terms),
                    "description": (s.description or "").strip(),
                }
            )
    return pd.DataFrame(rows)
