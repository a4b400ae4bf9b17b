"""Risk figures over replications: how likely an outcome is, not only its median.

An official signing a ten-year ratio asks how often each side comes out behind the no-agreement world, how often
a zone is revoked, whether the host's floor or the origin's cap will bite, and how low the receipts can fall.
Every figure here is a share of replications or a percentile over them. The functions are pure numpy over arrays
whose first axis is the replication; `figures(projection)` gathers those arrays from a projection and
`risk_view(projection, lang)` is the small table the app shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOT_REVOKED = 0  # a `revoked_year` entry for a zone not revoked in that replication
LOW, HIGH = 5.0, 95.0  # the range reported everywhere: 5th to 95th percentile over replications


# ---------------------------------------------------------------- pure figures over [replication, …] arrays


def mean_fen(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """The mean of int64 fen over `axis`, rounded half away from zero to whole fen with integer arithmetic
    (no float rounding: gains are differences of these and must add up to the fen)."""
    values = np.asarray(values, np.int64)
    n = values.shape[axis]
    total = values.sum(axis=axis)
    magnitude = (2 * np.abs(total) + n) // (2 * n)
    return np.sign(total) * magnitude


def band(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, 5th and 95th percentile over `axis` (linear interpolation between replications)."""
    low, mid, high = np.percentile(np.asarray(values, float), [LOW, 50.0, HIGH], axis=axis)
    return mid, low, high


def probability_positive(values: np.ndarray) -> np.ndarray:
    """[replication, …] → […]: the share of replications in which the value is above zero."""
    return (np.asarray(values) > 0).mean(axis=0)


def value_at_risk(totals: np.ndarray, level: float = LOW) -> np.ndarray:
    """[replication, …] → […]: the amount exceeded in (100 − level)% of replications — the 5th percentile."""
    return np.percentile(np.asarray(totals, float), level, axis=0)


def revoked_by_year(revoked_year: np.ndarray, years: np.ndarray) -> np.ndarray:
    """[replication, zone] calendar year revoked (`NOT_REVOKED` if never) → [zone, year]: the share of
    replications in which the zone was revoked in that year or before."""
    revoked_year = np.asarray(revoked_year, np.int64)
    revoked = revoked_year != NOT_REVOKED
    by = revoked[:, :, None] & (revoked_year[:, :, None] <= np.asarray(years)[None, None, :])
    return by.mean(axis=0)


def ever(flags: np.ndarray) -> np.ndarray:
    """[replication, item, year] bool → [item]: the share of replications in which it happened in some year."""
    return np.asarray(flags, bool).any(axis=2).mean(axis=0)


def by_year(flags: np.ndarray) -> np.ndarray:
    """[replication, item, year] bool → [item, year]: the share of replications in which it happens that year."""
    return np.asarray(flags, bool).mean(axis=0)


def by_year_or_before(flags: np.ndarray) -> np.ndarray:
    """[replication, item, year] bool → [item, year]: the share in which it has happened by that year."""
    return np.logical_or.accumulate(np.asarray(flags, bool), axis=2).mean(axis=0)


def pass_rates(passed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[replication, zone, year] int8 (1 passed, 0 failed, −1 not assessed) → the share of assessed zone-years
    passed per zone [zone], and per zone and year [zone, year]; NaN where the zone was never assessed."""
    passed = np.asarray(passed)
    assessed = passed >= 0
    ok = passed == 1
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = ok.sum(axis=(0, 2)) / assessed.sum(axis=(0, 2))
        yearly = ok.sum(axis=0) / assessed.sum(axis=0)
    return overall, yearly


@dataclass(frozen=True)
class GainFigures:
    """Per row (each holder, then the region as a whole) and year, in fen: the means over replications of the
    receipts with and without the agreements, each rounded to the fen first, so that `gain` = `with_agreement`
    − `without_agreement` exactly; and the gain's 5th and 95th percentiles (rounded to the fen). `total_*` are
    the same over the whole horizon (the range of the horizon's sum, not the sum of yearly ranges)."""

    with_agreement: np.ndarray  # [row, year]
    without_agreement: np.ndarray
    gain: np.ndarray
    gain_p5: np.ndarray
    gain_p95: np.ndarray
    total_gain_median: np.ndarray  # [row]
    total_gain_p5: np.ndarray
    total_gain_p95: np.ndarray


def gain_figures(with_agreement: np.ndarray, without_agreement: np.ndarray) -> GainFigures:
    """[replication, holder, year] fen each → the gains table's figures, with the region (the sum over every
    holder, per replication) as the last row."""
    with_agreement = np.asarray(with_agreement, np.int64)
    without_agreement = np.asarray(without_agreement, np.int64)
    with_rows = np.concatenate([with_agreement, with_agreement.sum(axis=1, keepdims=True)], axis=1)
    without_rows = np.concatenate([without_agreement, without_agreement.sum(axis=1, keepdims=True)], axis=1)
    gains = with_rows - without_rows  # [replication, row, year]
    with_mean, without_mean = mean_fen(with_rows), mean_fen(without_rows)
    _, low, high = band(gains)
    total_mid, total_low, total_high = band(gains.sum(axis=2))
    return GainFigures(
        with_agreement=with_mean,
        without_agreement=without_mean,
        gain=with_mean - without_mean,
        gain_p5=_fen(low),
        gain_p95=_fen(high),
        total_gain_median=_fen(total_mid),
        total_gain_p5=_fen(total_low),
        total_gain_p95=_fen(total_high),
    )


def _fen(values: np.ndarray) -> np.ndarray:
    """Percentiles (float fen) as whole fen, half away from zero."""
    values = np.asarray(values, float)
    return (np.sign(values) * np.floor(np.abs(values) + 0.5)).astype(np.int64)


# ---------------------------------------------------------------- gathered from a projection


@dataclass(frozen=True)
class Replications:
    """What the risk figures read, every replication of a projection side by side (fen, calendar years)."""

    holders: list[str]  # party ids, then upper levels (`analysis.projection.holders`)
    years: np.ndarray  # the horizon's calendar years
    with_agreement: np.ndarray  # [replication, holder, year]
    without_agreement: np.ndarray  # [replication, holder, year]
    net_benefit: np.ndarray  # [replication, holder, year]
    revoked_year: np.ndarray  # [replication, agreement], NOT_REVOKED where not revoked
    floor_binds: np.ndarray  # [replication, agreement, year] bool: the host's floor topped it up that year
    cap_reached: np.ndarray  # [replication, agreement, year] bool: the origin's cap held it back that year
    passed: np.ndarray  # [replication, agreement, year] int8: 1 passed, 0 failed, −1 not assessed
    land: dict[str, np.ndarray]  # land outcome or attempt count → [replication]
    role_totals: np.ndarray  # [replication, 2]: what all origins and all hosts receive through the agreements


def replications_of(projection) -> Replications:
    """The arrays of every replication of `projection` (a `analysis.projection.Projection`), each replication's
    allocation worked out again from its cube under the projection's own terms (milliseconds each)."""
    from analysis.projection import HOST, ORIGIN, holders, with_revocations
    from sim.sharing.split import allocate

    s = projection.scenario
    n_years = s.horizon.years
    outcomes = projection.outcomes
    floor, cap = [], []
    for o in outcomes:
        allocation = allocate(o.cube, with_revocations(s, o.revoked))
        floor.append((allocation.floor_adj != 0).any(axis=2)[:, -n_years:])
        cap.append((allocation.cap_adj != 0).any(axis=2)[:, -n_years:])
    revoked = np.full((len(outcomes), len(s.agreements)), NOT_REVOKED, np.int64)
    for r, o in enumerate(outcomes):
        for a, year in o.revoked.items():
            revoked[r, a] = year
    keys = sorted({k for o in outcomes for k in (*o.attempts, *o.land)})
    land = {k: np.array([float(o.land.get(k, o.attempts.get(k, 0))) for o in outcomes]) for k in keys}
    return Replications(
        holders=list(holders(s)),
        years=s.horizon.start_year + np.arange(n_years),
        with_agreement=np.asarray(projection.with_agreement, np.int64),
        without_agreement=np.asarray(projection.without_agreement, np.int64),
        net_benefit=np.asarray(projection.net_benefit, np.int64),
        revoked_year=revoked,
        floor_binds=np.stack(floor),
        cap_reached=np.stack(cap),
        passed=np.stack([np.asarray(o.passed, np.int8) for o in outcomes]),
        land=land,
        role_totals=np.asarray(projection.receipts, np.int64)[..., [ORIGIN, HOST]].sum(axis=(1, 2)),
    )


# ---------------------------------------------------------------- summary.json


def _yuan(fen: float) -> str:
    from sim.money import yuan_text

    return yuan_text(int(_fen(np.array([fen]))[0]))


def _share(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 6)


def _ranged(values: np.ndarray) -> dict[str, str]:
    """[replication] fen → median and 5–95% range, yuan text."""
    mid, low, high = band(values)
    return {"median_yuan": _yuan(mid), "p5_yuan": _yuan(low), "p95_yuan": _yuan(high)}


def _counted(values: np.ndarray) -> dict[str, float]:
    mid, low, high = band(values)
    return {"median": round(float(mid), 3), "p5": round(float(low), 3), "p95": round(float(high), 3)}


def _yearly(values: np.ndarray, years: np.ndarray) -> dict[str, float | None]:
    return {str(int(y)): _share(v) for y, v in zip(years, values, strict=True)}


def over_replications(scenario, reps: Replications) -> dict:
    """summary.json's figures over every replication: each holder's receipts, gain (and the region's), net fiscal
    benefit over the horizon with the median and 5–95% range; land outcomes; assessment pass rates."""
    n = len(reps.with_agreement)
    gains = gain_figures(reps.with_agreement, reps.without_agreement)
    rows = [*reps.holders, "region"]
    totals_with = np.concatenate([reps.with_agreement, reps.with_agreement.sum(1, keepdims=True)], 1).sum(2)
    totals_gain = totals_with - np.concatenate(
        [reps.without_agreement, reps.without_agreement.sum(1, keepdims=True)], 1
    ).sum(2)
    out: dict = {
        "replications": n,
        "figures": f"median and 5–95% range over {n} replications; gains also as the mean (with − without)",
        "receipts": {h: _ranged(totals_with[:, j]) for j, h in enumerate(rows)},
        "gains": {
            h: {"mean_yuan": _yuan(float(gains.gain[j].sum())), **_ranged(totals_gain[:, j])}
            for j, h in enumerate(rows)
        },
        "net_benefit": {h: _ranged(reps.net_benefit[:, j].sum(axis=1)) for j, h in enumerate(reps.holders)},
        "by_role": {role: _ranged(reps.role_totals[:, k]) for k, role in enumerate(("origin", "host"))},
        "land": {k: _counted(v) for k, v in reps.land.items()},
    }
    if scenario.assessment is not None:
        overall, yearly = pass_rates(reps.passed)
        out["assessment"] = {
            a.id: {"zone": a.host, "pass_rate": _share(overall[i]), "pass_rate_by_year": _yearly(yearly[i], reps.years)}
            for i, a in enumerate(scenario.agreements)
            if np.isfinite(overall[i])
        }
    return out


def summary_of(projection, reps: Replications | None = None) -> dict:
    """summary.json's `over_replications` and `risk` of a projection."""
    reps = reps or replications_of(projection)
    return {
        "over_replications": over_replications(projection.scenario, reps),
        "risk": risk_summary(projection.scenario, reps),
    }


def risk_summary(scenario, reps: Replications) -> dict:
    """summary.json's `risk`: the probability that each holder's (and the region's) gain over the horizon is
    positive; the value at risk of each holder's (and the region's) receipts over the horizon (5th percentile)
    beside the median; the probability of revocation per zone, and by each year; the probability that a host's
    floor binds (in any year, and in each) and that an origin's cap is reached (by each year), for agreements
    with such terms."""
    with_totals = reps.with_agreement.sum(axis=2)
    gain_totals = with_totals - reps.without_agreement.sum(axis=2)
    region = gain_totals.sum(axis=1, keepdims=True)
    positive = probability_positive(np.concatenate([gain_totals, region], axis=1))
    floor = [i for i, a in enumerate(scenario.agreements) if a.floor.host_yearly_yuan is not None]
    cap = [i for i, a in enumerate(scenario.agreements) if a.cap.origin_cumulative_yuan is not None]
    with_rows = np.concatenate([with_totals, with_totals.sum(axis=1, keepdims=True)], axis=1)  # the region last
    var, (median, _, _) = value_at_risk(with_rows), band(with_rows)
    out: dict = {
        "replications": len(with_totals),
        "gain_positive": {h: _share(p) for h, p in zip([*reps.holders, "region"], positive, strict=True)},
        "value_at_risk": {
            h: {
                "receipts_p5_yuan": _yuan(var[j]),
                "receipts_median_yuan": _yuan(median[j]),
                "shortfall_yuan": _yuan(float(_fen(median[j]) - _fen(var[j]))),  # adds up to the fen
            }
            for j, h in enumerate([*reps.holders, "region"])
        },
    }
    if scenario.assessment is not None:
        by = revoked_by_year(reps.revoked_year, reps.years)
        out["revocation"] = {
            a.id: {"zone": a.host, "probability": _share(by[i, -1]), "by_year": _yearly(by[i], reps.years)}
            for i, a in enumerate(scenario.agreements)
        }
    if floor:
        any_year, each = ever(reps.floor_binds[:, floor]), by_year(reps.floor_binds[:, floor])
        out["host_floor_binds"] = {
            scenario.agreements[i].id: {"probability": _share(any_year[k]), "by_year": _yearly(each[k], reps.years)}
            for k, i in enumerate(floor)
        }
    if cap:
        reached = by_year_or_before(reps.cap_reached[:, cap])
        out["origin_cap_reached"] = {
            scenario.agreements[i].id: {
                "probability": _share(reached[k, -1]),
                "by_year": _yearly(reached[k], reps.years),
            }
            for k, i in enumerate(cap)
        }
    return out


# ---------------------------------------------------------------- views for people (the app, the workbook, the report)


def _party_names(scenario, reps: Replications, lang: str) -> list[str]:
    from analysis.outputs.presentation import Names, render

    names = Names(scenario, lang)
    return [names.party(h) for h in reps.holders] + [render("party_region", lang)]


def _percent(values: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(values, float) * 100, 2) + 0.0


def gains_view(projection, lang: str = "zh", reps: Replications | None = None):
    """Per holder (and the region) and year: receipts with and without the agreements and the gain, means over
    replications (gain = with − without on every row), the gain's 5–95% range; a 合计 row per party whose range
    is that of the horizon's total."""
    import pandas as pd

    from analysis.outputs.presentation import View, header, in_unit, render, unit_for

    reps = reps or replications_of(projection)
    s, g = projection.scenario, gain_figures(reps.with_agreement, reps.without_agreement)
    parts = [g.with_agreement, g.without_agreement, g.gain, g.gain_p5, g.gain_p95]
    totals = [p.sum(axis=1) for p in parts[:3]] + [g.total_gain_p5, g.total_gain_p95]
    columns = np.stack([np.concatenate([p, t[:, None]], axis=1) for p, t in zip(parts, totals, strict=True)], -1)
    unit = unit_for(columns)
    keys = ("with_agreement", "without_agreement", "gain", "gain_p5", "gain_p95")
    years = [str(int(y)) for y in reps.years] + [render("total_row", lang)]
    names = _party_names(s, reps, lang)
    table = pd.DataFrame(
        {
            header("party", lang): np.repeat(names, len(years)),
            header("year", lang): np.tile(years, len(names)),
            **{header(k, lang, unit): in_unit(columns[..., j].ravel(), unit) for j, k in enumerate(keys)},
        }
    )
    n = len(reps.with_agreement)
    money = tuple(header(k, lang, unit) for k in keys)
    return View(table, unit, money, render("figure_gains", lang, n=n), render("view_gains", lang))


def _fen_of(text: str) -> int:
    from sim.money import decimal_fen

    return int(decimal_fen(text))


def replications_view(scenario, summary: dict, lang: str = "zh"):
    """Per holder (and the region) over the horizon: receipts, the gain (mean, median, 5–95%) and net fiscal
    benefit (median, 5–95%) — summary.json's `over_replications`, for people."""
    import pandas as pd

    from analysis.outputs.presentation import View, header, in_unit, render, unit_for

    over = summary["over_replications"]
    rows = list(over["gains"])
    columns = {
        "receipts_median": [over["receipts"][h]["median_yuan"] for h in rows],
        "receipts_p5": [over["receipts"][h]["p5_yuan"] for h in rows],
        "receipts_p95": [over["receipts"][h]["p95_yuan"] for h in rows],
        "gain_mean": [over["gains"][h]["mean_yuan"] for h in rows],
        "gain_median": [over["gains"][h]["median_yuan"] for h in rows],
        "gain_p5": [over["gains"][h]["p5_yuan"] for h in rows],
        "gain_p95": [over["gains"][h]["p95_yuan"] for h in rows],
        **{
            f"net_benefit_{k}": [
                over["net_benefit"][h][f"{k}_yuan"] if h in over["net_benefit"] else None for h in rows
            ]
            for k in ("median", "p5", "p95")
        },
    }
    fen = {k: np.array([np.nan if v is None else _fen_of(v) for v in values], float) for k, values in columns.items()}
    unit = unit_for(list(fen.values()))
    table = pd.DataFrame(
        {
            header("party", lang): _row_names(scenario, rows, lang),
            **{header(k, lang, unit): in_unit(v, unit) for k, v in fen.items()},
        }
    )
    note = render("figure_over_replications", lang, n=over["replications"])
    return View(table, unit, tuple(header(k, lang, unit) for k in fen), note, render("view_replications", lang))


def _row_names(scenario, rows: list[str], lang: str) -> list[str]:
    from analysis.outputs.presentation import Names, render

    names = Names(scenario, lang)
    return [render("party_region", lang) if h == "region" else names.party(h) for h in rows]


def risk_view(scenario, summary: dict, lang: str = "zh"):
    """One row per holder (and the region): the median gain over the horizon and the probability it is
    positive; the median receipts, the value at risk (their 5th percentile) and the shortfall between them."""
    import pandas as pd

    from analysis.outputs.presentation import View, header, in_unit, render, unit_for

    over, risk = summary["over_replications"], summary["risk"]
    rows = list(risk["gain_positive"])
    var = risk["value_at_risk"]
    fen = {
        "gain_median": [_fen_of(over["gains"][h]["median_yuan"]) for h in rows],
        "receipts_median": [_fen_of(var[h]["receipts_median_yuan"]) if h in var else np.nan for h in rows],
        "value_at_risk": [_fen_of(var[h]["receipts_p5_yuan"]) if h in var else np.nan for h in rows],
        "shortfall": [_fen_of(var[h]["shortfall_yuan"]) if h in var else np.nan for h in rows],
    }
    fen = {k: np.array(v, float) for k, v in fen.items()}
    unit = unit_for(list(fen.values()))
    table = pd.DataFrame(
        {
            header("party", lang): _row_names(scenario, rows, lang),
            header("gain_median", lang, unit): in_unit(fen["gain_median"], unit),
            header("gain_positive", lang): _percent([risk["gain_positive"][h] for h in rows]),
            **{header(k, lang, unit): in_unit(fen[k], unit) for k in ("receipts_median", "value_at_risk", "shortfall")},
        }
    )
    shown = tuple(h for h in table.columns if h != header("party", lang))
    note = render("figure_over_replications_risk", lang, n=risk["replications"])
    return View(table, unit, shown, note, render("view_risk", lang))


def zone_risk_view(scenario, summary: dict, lang: str = "zh"):
    """One row per agreement: the probability its zone is revoked within the horizon and its assessment pass
    rate (with an assessment), that the host's floor binds in some year, that the origin's cap is reached
    (blank for an agreement without such a term)."""
    import pandas as pd

    from analysis.outputs.presentation import Names, View, header, render

    over, risk = summary["over_replications"], summary["risk"]
    names = Names(scenario, lang)
    ids = [a.id for a in scenario.agreements]
    blocks = {
        "revocation_probability": (risk.get("revocation"), "probability"),
        "pass_rate": (over.get("assessment"), "pass_rate"),
        "floor_binds": (risk.get("host_floor_binds"), "probability"),
        "cap_reached": (risk.get("origin_cap_reached"), "probability"),
    }
    columns = {
        key: _percent([np.nan if i not in block or block[i][field] is None else block[i][field] for i in ids])
        for key, (block, field) in blocks.items()
        if block
    }
    table = pd.DataFrame(
        {
            header("agreement", lang): [names.agreement(i) for i in ids],
            header("zone", lang): [names.party(a.host) for a in scenario.agreements],
            **{header(k, lang): v for k, v in columns.items()},
        }
    )
    note = render("figure_over_replications_share", lang, n=risk["replications"])
    return View(table, None, tuple(header(k, lang) for k in columns), note, render("view_zone_risk", lang))


def risk_years_view(scenario, summary: dict, lang: str = "zh"):
    """Per agreement and year: the probability its zone has been revoked by then and the pass rate that year
    (with an assessment), that the floor binds that year, that the cap has been reached by then."""
    import pandas as pd

    from analysis.outputs.presentation import Names, View, header, render

    over, risk = summary["over_replications"], summary["risk"]
    names = Names(scenario, lang)
    years = scenario.horizon.start_year + np.arange(scenario.horizon.years)
    blocks = {
        "revoked_by_year": (risk.get("revocation"), "by_year"),
        "pass_rate_year": (over.get("assessment"), "pass_rate_by_year"),
        "floor_binds_year": (risk.get("host_floor_binds"), "by_year"),
        "cap_reached_by_year": (risk.get("origin_cap_reached"), "by_year"),
    }
    columns = {}
    for key, (block, field) in blocks.items():
        if block:
            values = [
                [np.nan if v is None else v for v in block[a.id][field].values()]
                if a.id in block
                else [np.nan] * len(years)
                for a in scenario.agreements
            ]
            columns[key] = _percent(np.array(values, float)).ravel()
    n = len(scenario.agreements)
    table = pd.DataFrame(
        {
            header("agreement", lang): np.repeat([names.agreement(a.id) for a in scenario.agreements], len(years)),
            header("year", lang): np.tile(years.astype(int), n),
            **{header(k, lang): v for k, v in columns.items()},
        }
    )
    note = render("figure_over_replications_share", lang, n=risk["replications"])
    return View(table, None, tuple(header(k, lang) for k in columns), note, render("view_risk_years", lang))


HECTARES = frozenset({"zone_granted", "zone_released", "ftz_used", "ftz_used_without"})  # the rest count projects


def land_view(scenario, summary: dict, lang: str = "zh"):
    """Land outcomes over replications: each count or area, its median and 5–95% range."""
    import pandas as pd

    from analysis.outputs.presentation import View, header, render
    from sim.messages import MESSAGES

    over = summary["over_replications"]
    land = over["land"]
    table = pd.DataFrame(
        {
            header("outcome", lang): [render(f"land_{k}", lang) if f"land_{k}" in MESSAGES else k for k in land],
            **{header(q, lang): [land[k][q] for k in land] for q in ("median", "p5", "p95")},
        }
    )
    note = render("figure_over_replications_values", lang, n=over["replications"])
    money = tuple(header(q, lang) for q in ("median", "p5", "p95"))
    decimals = tuple(2 if k in HECTARES else 0 for k in land)  # counts of projects whole, even a percentile of them
    return View(table, None, money, note, render("view_land", lang), row_decimals=decimals)


def risk_views(projection, lang: str = "zh") -> dict:
    """For the app: the risk figures of each party of `projection` (one row each, the region last) and of each
    agreement, from one summary."""
    summary = summary_of(projection)
    return {
        "risk": risk_view(projection.scenario, summary, lang),
        "zone_risk": zone_risk_view(projection.scenario, summary, lang),
    }
