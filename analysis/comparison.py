"""Compare scenarios or ratio designs: what each party receives, when, discounted, what it gains against the
no-agreement world, and its net fiscal benefit (the gain, plus rewards and compensation, less joint costs).

Every file is validated before anything runs. Cases whose simulations would be identical (same simulation
key — a variant changing only the sharing terms) are re-split from one simulation instead of simulated again.
Amounts are the mean over replications with the 5–95% range; differences are against the baseline case. Each
party's gain (with − without the agreements, `analysis.risk.gain_figures`) comes with its 5–95% range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.outputs.presentation import (
    Names,
    Unit,
    View,
    base_text,
    basis_name,
    figure_note,
    header,
    in_unit,
    indicator_name,
    percent_text,
    phases_text,
    policy_name,
    render,
    role_name,
    rule_name,
    unit_for,
    with_unit,
    yes_no,
    yuan_words,
)
from analysis.projection import HOST, HOST_NET, ORIGIN, ORIGIN_NET, Projection, project, resplit, simulation_key
from analysis.risk import Replications, band, gain_figures, replications_of, summary_of
from analysis.targets import progress, starting_stock
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
    _replications: dict = field(default_factory=dict, compare=False, repr=False)

    def replications(self, case: Case) -> Replications:
        """Every replication of the case side by side (receipts with and without the agreements per holder,
        net fiscal benefit, revocations, floor and cap), worked out once."""
        if case.label not in self._replications:
            self._replications[case.label] = replications_of(case.projection)
        return self._replications[case.label]

    def summary(self, case: Case) -> dict:
        """The case's figures over every replication and its risk figures, as summary.json has them."""
        key = ("summary", case.label)
        if key not in self._replications:
            self._replications[key] = summary_of(case.projection, self.replications(case))
        return self._replications[key]

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
    scheduler: str | None = None,
) -> Comparison:
    """Project each scenario (re-splitting where the simulations are the same), on `scheduler` when given."""
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
            chosen = s.population.seed if seed is None else seed
            projection = project(s, chosen, replications, workers, progress_step, scheduler)
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
        reps = c.replications(case)
        gains = gain_figures(reps.with_agreement, reps.without_agreement)
        for party, (role, receipts, _) in c.party_receipts(case).items():
            j = reps.holders.index(party)
            net = reps.net_benefit[:, j]
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
                        "gain": int(gains.gain[j, y]),
                        "gain_p5": int(gains.gain_p5[j, y]),
                        "gain_p95": int(gains.gain_p95[j, y]),
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
    rows = []
    for case in c.cases:
        reps = c.replications(case)
        gain = (reps.with_agreement - reps.without_agreement).sum(axis=2)  # [replication, holder] over the horizon
        mean = gain_figures(reps.with_agreement, reps.without_agreement).gain.sum(axis=1)  # = the yearly rows' sum
        for party, (_role, receipts, _net) in c.party_receipts(case).items():
            j = reps.holders.index(party)
            _, low, high = band(gain[:, j])
            rows.append((case.label, party, *np.percentile(receipts.sum(axis=1), [5, 95]), int(mean[j]), low, high))
    ranges = pd.DataFrame(
        rows, columns=["scenario", "party", "receipts_p5", "receipts_p95", "gain", "gain_p5", "gain_p95"]
    )
    table = table.merge(ranges, on=["scenario", "party"], how="left", validate="one_to_one")
    base = table[table["scenario"] == c.cases[c.baseline].label].set_index("party")
    table["vs_baseline"] = [
        r.receipts - base.loc[r.party, "receipts"] if r.party in base.index else None for r in table.itertuples()
    ]
    table["npv_vs_baseline"] = [
        r.npv - base.loc[r.party, "npv"] if r.party in base.index else None for r in table.itertuples()
    ]
    gains = ["gain", "gain_p5", "gain_p95"]  # added after the columns scripts already read
    return table[[c for c in table.columns if c not in gains] + gains]


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
        sim = case.projection.first.simulation
        for item in progress(s.targets, ftz_indicators(sim), s.horizon.start_year, starting_stock(sim)):
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


def _fen_text(text: str) -> int:
    from sim.money import decimal_fen

    return int(decimal_fen(text))


def risk_table(c: Comparison) -> pd.DataFrame:
    """One row per case × holder (the region last), over every replication: the horizon's gain (median, 5–95%)
    and the probability it is positive; the receipts' median, value at risk (5th percentile) and shortfall."""
    rows = []
    for case in c.cases:
        summary = c.summary(case)
        over, risk = summary["over_replications"], summary["risk"]
        for party, positive in risk["gain_positive"].items():
            gain, var = over["gains"][party], risk["value_at_risk"].get(party)
            rows.append(
                {
                    "scenario": case.label,
                    "party": party,
                    "gain_median": _fen_text(gain["median_yuan"]),
                    "gain_p5": _fen_text(gain["p5_yuan"]),
                    "gain_p95": _fen_text(gain["p95_yuan"]),
                    "gain_positive": positive,
                    "receipts_median": None if var is None else _fen_text(var["receipts_median_yuan"]),
                    "value_at_risk": None if var is None else _fen_text(var["receipts_p5_yuan"]),
                    "shortfall": None if var is None else _fen_text(var["shortfall_yuan"]),
                }
            )
    return pd.DataFrame(rows)


def zone_risk_table(c: Comparison) -> pd.DataFrame:
    """One row per case × agreement, over every replication: the probability the zone is revoked within the
    horizon, its assessment pass rate, that the host's floor binds in some year, that the origin's cap is reached
    (blank where the case has no assessment, or the agreement no such term)."""
    rows = []
    for case in c.cases:
        summary = c.summary(case)
        over, risk = summary["over_replications"], summary["risk"]
        blocks = {
            "revocation_probability": (risk.get("revocation") or {}, "probability"),
            "pass_rate": (over.get("assessment") or {}, "pass_rate"),
            "floor_binds": (risk.get("host_floor_binds") or {}, "probability"),
            "cap_reached": (risk.get("origin_cap_reached") or {}, "probability"),
        }
        for a in case.scenario.agreements:
            row = {"scenario": case.label, "agreement": a.id, "zone": a.host}
            row.update({k: block[a.id][f] if a.id in block else None for k, (block, f) in blocks.items()})
            rows.append(row)
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


# ---------------------------------------------------------------- machine tables (scripts; DOMAIN.md §4 style)
# The tables above carry fen (means over replications, with fractions) and ids: they feed the charts and the
# views below. Files for scripts get `plain(...)`: the same rows and English-id columns, money as yuan text
# with exactly two decimals. Files and pages for people get the views further down.

MONEY = (
    "receipts",
    "receipts_p5",
    "receipts_p95",
    "cumulative",
    "discounted",
    "cumulative_discounted",
    "net_benefit",
    "vs_baseline",
    "npv",
    "npv_vs_baseline",
    "gain",
    "gain_p5",
    "gain_p95",
    "gain_median",
    "receipts_median",
    "value_at_risk",
    "shortfall",
)
STAT_MONEY = ("total", "origin", "host")


def _whole_fen(values: pd.Series) -> list[int | None]:
    return [None if pd.isna(v) else int(round(float(v))) for v in values]


def plain(table: pd.DataFrame) -> pd.DataFrame:
    """A comparison table for scripts: ids as they are; money columns (fen) as yuan text with two decimals,
    blank where there is no figure (no baseline for the party)."""
    table = table.copy()
    for column in MONEY:
        if column in table:
            table[column] = _yuan_column(_whole_fen(table[column]))
    return table


def plain_statistics(table: pd.DataFrame) -> pd.DataFrame:
    """statistics_table for scripts: money indicators as yuan text with two decimals, counts as whole numbers."""
    table = table.copy()
    money = (table["unit"] == "yuan").to_numpy() if len(table) else np.zeros(0, bool)
    for column in STAT_MONEY:
        if column in table:
            values = table[column].to_numpy(float)
            table[column] = [
                _yuan_column([int(round(v * 100))])[0] if is_money else str(int(round(v)))
                for v, is_money in zip(values, money, strict=True)
            ]
    return table


def _yuan_column(fen: list[int | None]) -> list[str]:
    from sim.money import yuan_text

    return ["" if v is None else yuan_text(v) for v in fen]


# ---------------------------------------------------------------- views for people
# Names not ids, headers from the catalogue with the unit in them, one unit per view, totals rows, a note
# saying what the figures are (analysis/outputs/presentation.py).


def case_names(c: Comparison, lang: str) -> dict[str, str]:
    """case label → the scenario's name; two cases of one name are told apart by their place in the list."""
    names = {case.label: Names(case.scenario, lang).scenario() for case in c.cases}
    counts = pd.Series(list(names.values())).value_counts()
    return {
        label: (f"{name}（{i + 1}）" if lang == "zh" else f"{name} ({i + 1})") if counts[name] > 1 else name
        for i, (label, name) in enumerate(names.items())
    }


def figure_kind(c: Comparison, lang: str) -> str:
    """What the comparison's money figures are: means over N replications, or replication 1 and its seed."""
    n = min(len(case.projection.outcomes) for case in c.cases)
    if n > 1:
        return figure_note("mean", lang, n=n)
    seeds = render("list_separator", lang).join(dict.fromkeys(str(case.projection.seed) for case in c.cases))
    return figure_note("replication", lang, n=1, seed=seeds)


def first_replication_note(c: Comparison, lang: str) -> str:
    """Statistics, assessment and targets come from the first replication of each case."""
    n = min(len(case.projection.outcomes) for case in c.cases)
    seeds = render("list_separator", lang).join(dict.fromkeys(str(case.projection.seed) for case in c.cases))
    return figure_note("replication", lang, n=n, seed=seeds)


def _names_by_case(c: Comparison, lang: str):
    return {case.label: Names(case.scenario, lang) for case in c.cases}


def _money_view(
    rows: pd.DataFrame,
    columns: list[tuple[str, str | None]],
    money: list[str],
    unit,
    note: str,
    title: str,
    lang: str,
):
    """rows (fen in the `money` columns) → a View: amounts in `unit`, headers from the catalogue."""
    out = pd.DataFrame(index=rows.index)
    shown_money = []
    for column, key in columns:
        if column in money:
            name = header(key or column, lang, unit)
            out[name] = in_unit(pd.to_numeric(rows[column], errors="coerce").to_numpy(float), unit)
            shown_money.append(name)
        else:
            out[header(key or column, lang)] = rows[column].to_numpy(object)
    return View(out.reset_index(drop=True), unit, tuple(shown_money), note, title)


def summary_view(c: Comparison, lang: str = "zh", unit=None):
    """The summary for people: per design and party the receipts over the horizon, their 5–95% range (with
    several replications), present value, net fiscal benefit and the difference against the baseline, in one
    unit; a 合计 row per design."""
    table = summary_table(c)
    several = min(len(case.projection.outcomes) for case in c.cases) > 1
    money = ["receipts", *(["receipts_p5", "receipts_p95"] if several else []), "npv", "net_benefit"]
    money += ["vs_baseline", "npv_vs_baseline", "gain", *(["gain_p5", "gain_p95"] if several else [])]
    unit = unit or unit_for(table[money])
    names, cases = _names_by_case(c, lang), case_names(c, lang)
    rows = []
    for label, group in table.groupby("scenario", sort=False):
        shown = group.assign(
            scenario=cases[label],
            party=[names[label].party(p) for p in group["party"]],
            role=[role_name(r, lang) for r in group["role"]],
        )
        total = {column: None for column in shown.columns}
        total.update(scenario=cases[label], party=render("total_row", lang), role="")
        for column in ("receipts", "npv", "net_benefit", "vs_baseline", "npv_vs_baseline", "gain"):
            values = group[column]
            total[column] = None if values.isna().any() else float(values.astype(float).sum())
        rows.append(pd.concat([shown, pd.DataFrame([total])], ignore_index=True))
    table = pd.concat(rows, ignore_index=True) if rows else table
    keys = {"vs_baseline": "receipts_vs_baseline"}
    columns = [("scenario", None), ("party", None), ("role", None), *[(m, keys.get(m)) for m in money]]
    note = figure_kind(c, lang)
    if several:
        note += render("figure_range_note", lang)
    note += render("figure_npv_note", lang, rate=percent_text(c.discount_rate))
    return _money_view(table, columns, money, unit, note, render("view_summary", lang), lang)


def yearly_view(c: Comparison, lang: str = "zh", unit=None):
    """Year by year for people: per design, party and year the receipts (with the 5–95% range when there are
    several replications), cumulative, discounted, net benefit and against the baseline; a 合计 row per design
    and party."""
    table = yearly_table(c)
    several = min(len(case.projection.outcomes) for case in c.cases) > 1
    money = ["receipts", *(["receipts_p5", "receipts_p95"] if several else [])]
    money += ["cumulative", "discounted", "cumulative_discounted", "net_benefit", "vs_baseline", "gain"]
    unit = unit or unit_for(table[money])
    names, cases = _names_by_case(c, lang), case_names(c, lang)
    parts = []
    for (label, party), group in table.groupby(["scenario", "party"], sort=False):
        shown = group.assign(
            scenario=cases[label],
            party=names[label].party(party),
            role=[role_name(r, lang) for r in group["role"]],
            year=group["year"].astype(str),
        )
        total = {column: None for column in shown.columns}
        total.update(scenario=cases[label], party=names[label].party(party), role=shown["role"].iloc[0])
        total["year"] = render("total_row", lang)
        for column in ("receipts", "discounted", "net_benefit", "vs_baseline", "gain"):
            values = group[column]
            total[column] = None if values.isna().any() else float(values.astype(float).sum())
        parts.append(pd.concat([shown, pd.DataFrame([total])], ignore_index=True))
    table = pd.concat(parts, ignore_index=True) if parts else table
    keys = {"receipts": "yearly_receipts", "vs_baseline": "receipts_vs_baseline"}
    columns = [("scenario", None), ("party", None), ("role", None), ("year", None), *[(m, keys.get(m)) for m in money]]
    note = figure_kind(c, lang)
    if several:
        note += render("figure_range_note", lang)
    return _money_view(table, columns, money, unit, note, render("view_yearly", lang), lang)


def statistics_view(c: Comparison, lang: str = "zh", unit=None):
    """Statistics credited to each side over the horizon: indicator names with their unit (money indicators in
    one unit for the whole view, counts as whole numbers), rule names."""
    table = statistics_table(c)
    if not len(table):
        return View(pd.DataFrame(), None, (), "", render("view_statistics", lang))
    is_money = (table["unit"] == "yuan").to_numpy()
    fen = table.loc[is_money, list(STAT_MONEY)].to_numpy(float) * 100
    unit = unit or unit_for(fen)
    cases = case_names(c, lang)
    sep = render("list_separator", lang)
    out = pd.DataFrame(
        {
            header("scenario", lang): [cases[label] for label in table["scenario"]],
            header("indicator", lang): [
                with_unit(indicator_name(i, lang), unit, lang)
                if money
                else with_unit(indicator_name(i, lang), _count_unit(i), lang)
                for i, money in zip(table["indicator"], is_money, strict=True)
            ],
            header("rule", lang): [sep.join(rule_name(r, lang) for r in rules.split(",")) for rules in table["rules"]],
        }
    )
    for column, key in (("total", "stat_total"), ("origin", "stat_origin"), ("host", "stat_host")):
        values = table[column].to_numpy(float)
        out[header(key, lang)] = np.where(
            is_money, np.round(values * 100 / unit.fen_per, unit.decimals), np.round(values)
        )
    money = tuple(header(k, lang) for k in ("stat_total", "stat_origin", "stat_host"))
    decimals = tuple(unit.decimals if m else 0 for m in is_money)
    return View(out, unit, money, first_replication_note(c, lang), render("view_statistics", lang), decimals)


def _count_unit(indicator: str):
    return Unit(f"count_{indicator}", 1, 0)


def assessment_view(c: Comparison, lang: str = "zh"):
    """The zones' yearly assessment: names, growth rates in %, points, passed and revoked as 是/否."""
    table = assessment_table(c)
    if not len(table):
        return View(pd.DataFrame(), None, (), "", render("view_assessment", lang))
    cases = case_names(c, lang)
    names = {case.label: Names(case.scenario, lang) for case in c.cases}
    out = pd.DataFrame(
        {
            header("scenario", lang): [cases[s] for s in table["scenario"]],
            header("agreement", lang): [
                names[s].agreement(a) for s, a in zip(table["scenario"], table["agreement"], strict=True)
            ],
            header("zone", lang): [names[s].party(z) for s, z in zip(table["scenario"], table["zone"], strict=True)],
            header("year", lang): table["year"].astype(int).to_numpy(),
        }
    )
    for column in table.columns:
        if column.endswith("_growth"):
            name = render("col_growth", lang, indicator=indicator_name(column.removesuffix("_growth"), lang))
            out[name] = [None if pd.isna(v) else round(float(v) * 100, 2) for v in table[column]]
    out[header("awards", lang)] = table["awards"].to_numpy()
    out[header("points", lang)] = table["points"].round(2).to_numpy()
    out[header("pass", lang)] = [yes_no(v, lang) for v in table["passed"]]
    out[header("revoked_this_year", lang)] = [yes_no(v, lang) for v in table["revoked_this_year"]]
    numbers = tuple(h for h in out.columns if h.endswith(("（%）", "(%)")) or h == header("points", lang))
    return View(out, None, numbers, first_replication_note(c, lang), render("view_assessment", lang))


TARGET_MONEY = ("tax_revenue_yuan", "industrial_output_yuan")
TARGET_SHARES = ("fdi_share_of_region", "trade_share_of_region")


def targets_view(c: Comparison, lang: str = "zh", unit=None):
    """Progress towards the FTZ's targets: target names with their unit (money in one unit for the view, shares
    in %, the entity count as a multiple), progress in %, the year reached."""
    table = targets_table(c)
    if not len(table):
        return View(pd.DataFrame(), None, (), "", render("view_targets", lang))
    is_money = table["target"].isin(TARGET_MONEY).to_numpy()
    is_share = table["target"].isin(TARGET_SHARES).to_numpy()
    unit = unit or unit_for(table.loc[is_money, ["goal", "value"]].to_numpy(float) * 100)
    cases = case_names(c, lang)

    def label(target: str, money: bool, share: bool) -> str:
        name = render(f"target_label_{target}", lang)
        what = unit.label(lang) if money else render("unit_percent" if share else "unit_multiple", lang)
        return render("with_unit", lang, name=name, unit=what)

    def shown(values: pd.Series) -> np.ndarray:
        v = values.to_numpy(float)
        return np.round(np.where(is_money, v * 100 / unit.fen_per, np.where(is_share, v * 100, v)), 2)

    out = pd.DataFrame(
        {
            header("scenario", lang): [cases[s] for s in table["scenario"]],
            header("target", lang): [
                label(t, m, s) for t, m, s in zip(table["target"], is_money, is_share, strict=True)
            ],
            header("goal", lang): shown(table["goal"]),
            header("year", lang): table["year"].astype(int).to_numpy(),
            header("value", lang): shown(table["value"]),
            header("progress", lang): [None if pd.isna(p) else round(float(p) * 100, 2) for p in table["progress"]],
            header("reached", lang): [
                render("not_reached", lang) if pd.isna(y) else str(int(y)) for y in table["reached_year"]
            ],
            header("met", lang): [yes_no(v, lang) for v in table["met_by_target_year"]],
        }
    )
    money = (header("goal", lang), header("value", lang), header("progress", lang))
    return View(out, unit, money, first_replication_note(c, lang), render("view_targets", lang))


def terms_text(a, lang: str) -> str:
    """An agreement's terms in words: the ratio by phase, the base, the negative-increment policy, cap, floor,
    sunset, revocation."""
    sep = render("chart_note_join", lang)
    parts = [
        render(
            "terms_ratio",
            lang,
            basis=basis_name(a.ratio.basis, lang),
            phases=phases_text(a.ratio, lang),
        )
    ]
    parts.append(base_text(a.base, lang))
    if a.stock_to == "origin":
        parts.append(render("terms_stock_to_origin", lang))
    parts.append(policy_name(a.negative_increment, lang))
    for value, key in ((a.cap.origin_cumulative_yuan, "terms_cap"), (a.floor.host_yearly_yuan, "terms_floor")):
        if value is not None:
            parts.append(render(key, lang, amount=yuan_words(value, lang)))
    if a.sunset_year is not None:
        parts.append(render("terms_sunset", lang, year=a.sunset_year))
    if a.revoked_year is not None:
        parts.append(render("terms_revoked", lang, year=a.revoked_year))
    return sep.join(parts)


def _in_language(text: str, lang: str) -> str:
    """A scenario's free text where it is written in the reader's language (Chinese text holds CJK characters);
    otherwise blank — the machine file keeps it as written."""
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    return text if chinese == (lang == "zh") else ""


def assumptions_view(c: Comparison, lang: str = "zh"):
    """What each design assumes, in words: how it was computed, seed, replications, each agreement by its
    parties and its terms, the scenario's description, the file and its checksum."""
    rows = []
    cases = case_names(c, lang)
    for case in c.cases:
        s, names = case.scenario, Names(case.scenario, lang)
        for a in s.agreements:
            rows.append(
                {
                    header("scenario", lang): cases[case.label],
                    header("computed", lang): render(
                        "computed_resplit" if case.projection.resplit else "computed_simulated", lang
                    ),
                    header("seed", lang): case.projection.seed,
                    header("replications", lang): len(case.projection.outcomes),
                    header("agreement", lang): names.agreement(a.id),
                    header("terms", lang): terms_text(a, lang),
                    header("description", lang): _in_language((s.description or "").strip(), lang),
                    header("file", lang): case.path.name,
                    header("sha256", lang): s.sha256(),
                }
            )
    table = pd.DataFrame(rows)
    described = header("description", lang)
    if described in table and not table[described].any():  # no design describes itself in this language
        table = table.drop(columns=described)
    return View(table, None, (), "", render("view_assumptions", lang))


def risk_view(c: Comparison, lang: str = "zh", unit=None):
    """The risk figures of every design for people: per design and party (the region last) the horizon's gain
    (median, 5–95%) and the probability it is positive (%), the median receipts, the value at risk and the
    shortfall, in one unit."""
    table = risk_table(c)
    if not len(table):
        return View(pd.DataFrame(), None, (), "", render("view_risk", lang))
    money = ["gain_median", "gain_p5", "gain_p95", "receipts_median", "value_at_risk", "shortfall"]
    unit = unit or unit_for(table[money].to_numpy(float))
    names, cases = _names_by_case(c, lang), case_names(c, lang)
    shown = table.assign(
        scenario=[cases[s] for s in table["scenario"]],
        party=[
            render("party_region", lang) if p == "region" else names[s].party(p)
            for s, p in zip(table["scenario"], table["party"], strict=True)
        ],
        gain_positive=np.round(table["gain_positive"].to_numpy(float) * 100, 2),
    )
    columns = [("scenario", None), ("party", None), *[(m, None) for m in money[:3]], ("gain_positive", None)]
    columns += [(m, None) for m in money[3:]]
    n = min(len(case.projection.outcomes) for case in c.cases)
    note = render("figure_over_replications", lang, n=n)
    view = _money_view(shown, columns, money, unit, note, render("view_risk", lang), lang)
    return View(view.table, unit, (*view.money, header("gain_positive", lang)), note, view.title)


def zone_risk_view(c: Comparison, lang: str = "zh"):
    """Per design and agreement, in %: the probability of revocation, the pass rate, that the floor binds, that
    the cap is reached; only the columns some design has."""
    table = zone_risk_table(c)
    keys = [k for k in ("revocation_probability", "pass_rate", "floor_binds", "cap_reached") if table[k].notna().any()]
    if not len(table) or not keys:
        return View(pd.DataFrame(), None, (), "", render("view_zone_risk", lang))
    names, cases = _names_by_case(c, lang), case_names(c, lang)
    out = pd.DataFrame(
        {
            header("scenario", lang): [cases[s] for s in table["scenario"]],
            header("agreement", lang): [
                names[s].agreement(a) for s, a in zip(table["scenario"], table["agreement"], strict=True)
            ],
            header("zone", lang): [names[s].party(z) for s, z in zip(table["scenario"], table["zone"], strict=True)],
            **{header(k, lang): np.round(pd.to_numeric(table[k]).to_numpy(float) * 100, 2) for k in keys},
        }
    )
    n = min(len(case.projection.outcomes) for case in c.cases)
    note = render("figure_over_replications_share", lang, n=n)  # probabilities only, as `risk.zone_risk_view`
    return View(out, None, tuple(header(k, lang) for k in keys), note, render("view_zone_risk", lang))
