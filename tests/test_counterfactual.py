"""The no-agreement counterfactual: common random numbers, gains that add up in fen, FTZ land, a hand-worked
case, and the effort response relative to its reference share.

Checks are against independent computations: the ledger summed by hand, counts implied by the parameters,
the identity of draws between the two worlds — never the projection's own arithmetic read back.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_builders import INDUSTRY, world

from analysis.projection import (
    ORIGIN,
    ftz_area_agreements,
    ftz_receipts,
    gains,
    holders,
    net_benefit,
    outcome_of,
    party_receipts,
    project,
    replicate,
    resplit,
)
from sim.model.reinvestment import effort
from sim.model.simulation import NEVER, STAYED, Model, draw
from sim.taxes import TAX_IDS

UPPER = {"upper_levels": [{"id": "province", "name": "省本级", "share": {"vat": 0.25, "cit": 0.2, "iit": 0.2}}]}


def two_areas(**top):
    """Two FTZ areas, each with its zone; upper levels; an assessment; some exits and growth."""
    industries = [
        {**INDUSTRY, "id": "north", "area": "ftz_n", "ftz_entities": 1500, "exit_rate_per_year": 0.1},
        {**INDUSTRY, "id": "south", "area": "ftz_s", "ftz_entities": 1000, "new_per_year": 100},
    ]
    data = {
        "tax_rules": {**UPPER, "local_cit_exemption_years": 0},
        "parties": [
            {"id": "ftz_n", "kind": "ftz_area", "name": "北片区", "land_ha": 30},
            {"id": "ftz_s", "kind": "ftz_area", "name": "南片区"},
            {"id": "zone_n", "kind": "collaborative_zone", "name": "北协同区", "land_ha": 60},
            {"id": "zone_s", "kind": "collaborative_zone", "name": "南协同区", "land_ha": 1000},
        ],
        "agreements": [
            {"id": "n", "origin": "ftz_n", "host": "zone_n", "ratio": {"schedule": [{"from": 2023, "origin": 0.6}]}},
            {
                "id": "s",
                "origin": "ftz_s",
                "host": "zone_s",
                "ratio": {"schedule": [{"from": 2023, "to": 2024, "origin": 0.7}, {"from": 2025, "origin": 0.4}]},
                "negative_increment": "share",
            },
        ],
        "assessment": {"indicators": {"output": {"weight": 1.0, "region_growth": 0.05}}},
    }
    data.update(top)
    return world(population={"industries": industries}, **data)


def test_a_zone_without_land_gains_nothing():
    # No project can land and giving up is immediate (patience 0): every attempt goes where it would have gone
    # without the agreement, at the same month, with the same stay-or-lost draw, so every holder's receipts
    # are the same in both worlds — and not trivially zero.
    s = world(zone={"land_ha": 0}, population={"land_patience_months": 0}, tax_rules=UPPER)
    projection = project(s, 3, replications=2)
    assert (projection.without_agreement[:, 0] > 0).any() and (projection.without_agreement[:, 2] > 0).any()
    assert np.array_equal(projection.with_agreement, projection.without_agreement)
    for outcome in projection.outcomes:
        assert outcome.attempts["landed"] == 0 and (gains(s, outcome) == 0).all()
    first = projection.first
    assert np.isin(first.simulation.projects["outcome"], ["gave_up_stayed", "gave_up_lost"]).all()
    assert np.isin(first.without.projects["outcome"], ["stayed_in_ftz", "lost_to_region"]).all()


def test_gains_add_up_in_fen_to_the_regions_local_tax_difference():
    # The region's gain (the sum over holders) equals, per replication and year, the local tax (total −
    # central, summed over every cell of the core's allocations of both the zones' and the FTZ's ledgers) with
    # the agreements minus the same without them — so no part is dropped or counted twice on its way to a holder.
    s = two_areas()
    ftz = ftz_area_agreements(s)
    for index in range(2):
        replication = replicate(s, np.random.SeedSequence([9, index]), index)
        allocation = replication.settlement.allocation
        zones_local = (allocation.total - allocation.central).sum(axis=(0, 2))
        stayed_local = replication.stayed.sum(axis=0)
        without_local = replication.without_receipts.sum(axis=0)
        outcome = outcome_of(replication)
        gain = gains(s, outcome)
        assert gain.dtype == np.int64 and gain.shape == (len(holders(s)), s.horizon.years)
        assert np.array_equal(gain.sum(axis=0), zones_local + stayed_local - without_local)
        # and the FTZ's receipts are its ledger's local tax, all of it with the origin and the upper levels
        assert np.array_equal(ftz_receipts(replication.without, ftz), replication.without_receipts)
        assert (replication.without_receipts[2:4] == 0).all()  # the zones receive nothing without the agreement
        assert (replication.without_receipts[4] != 0).any()  # the province does


def _ledger_by_year_and_tax(ledger, years):
    """{(year, tax): Σ amount} from the ledger rows, by hand."""
    out: dict[tuple[int, str], int] = {}
    for year, tax, amount in zip(ledger.year, ledger.tax, ledger.amount, strict=True):
        key = (int(year), TAX_IDS[tax])
        out[key] = out.get(key, 0) + int(amount)
    return out


def test_hand_worked_one_project_lands():
    # One entity reinvests in 2023 and lands at once; without the agreement it would have stayed in the FTZ
    # (stay share 1, FTZ land not a constraint) at the same month, paying the same taxes. With no central
    # share, no upper levels and a 0.6 ratio on a zero base, the pool of each (year, tax) cell is its ledger
    # total; the origin keeps round(0.6 × pool) of it instead of all of it. So origin gain = its shared part −
    # what it would have kept = −(the host's part), and the region gains nothing: the project moved, it was not
    # created.
    central = {t: 0 for t in TAX_IDS}
    s = world(
        {"ftz_entities": 1, "reinvest_rate_per_year": 1.0},
        population={"give_up_stays_in_ftz": 1.0},
        tax_rules={"central_share": central, "local_cit_exemption_years": 0},
        agreements=[
            {
                "id": "a",
                "origin": "ftz",
                "host": "zone",
                "ratio": {"schedule": [{"from": 2023, "origin": 0.6}]},
                "negative_increment": "share",
            }
        ],
    )
    replication = replicate(s, np.random.SeedSequence(1), 0)
    with_p, without_p = replication.simulation.projects, replication.without.projects
    assert list(with_p["outcome"]) == ["landed"] and list(without_p["outcome"]) == ["stayed_in_ftz"]
    assert with_p["landed"][0] == without_p["ftz_landed"][0] < 12
    cells = _ledger_by_year_and_tax(replication.settlement.ledger, s.horizon.years)
    assert cells and any(v != 0 for v in cells.values())
    years = range(s.horizon.start_year, s.horizon.end_year + 1)
    pool = np.array([sum(v for (y, _), v in cells.items() if y == year) for year in years])
    origin_part = np.array([sum(round(0.6 * v) for (y, _), v in cells.items() if y == year) for year in years])
    outcome = outcome_of(replication)
    np.testing.assert_array_equal(outcome.without[0], pool)  # what the origin would have kept
    np.testing.assert_array_equal(party_receipts(s, outcome)[0], origin_part)
    np.testing.assert_array_equal(gains(s, outcome)[0], origin_part - pool)
    np.testing.assert_array_equal(gains(s, outcome)[1], pool - origin_part)
    assert (gains(s, outcome).sum(axis=0) == 0).all()


def test_without_ftz_land_nothing_stays_and_ftz_land_bounds_what_stays():
    # No FTZ land and a stay share of 1: every attempt of the no-agreement world is lost, nothing is received.
    none = world(zone={"land_ha": 0}, population={"give_up_stays_in_ftz": 1.0, "land_patience_months": 0})
    s = none.model_copy(update={"parties": [none.parties[0].model_copy(update={"land_ha": 0}), none.parties[1]]})
    replication = replicate(s, np.random.SeedSequence(4), 0)
    for sim in (replication.simulation, replication.without):
        assert len(sim.projects["outcome"]) > 50
        assert not np.isin(sim.projects["outcome"], STAYED).any() and sim.land["ftz_used"] == 0
    assert (replication.without_receipts == 0).all() and (replication.stayed == 0).all()
    # 10 ha of FTZ land, 1-ha projects, no exits: exactly 10 stay without the agreement, the rest are lost
    ten = s.model_copy(update={"parties": [s.parties[0].model_copy(update={"land_ha": 10}), s.parties[1]]})
    without = Model(ten, np.random.SeedSequence(4), agreements=False).run()
    assert (without.projects["outcome"] == "stayed_in_ftz").sum() == 10 and without.land["ftz_used"] == 10


def test_the_two_worlds_share_entities_and_attempts():
    # Elasticity 0: the same entities decide in the same years in both worlds, with the same month, lifetime
    # and stay-or-lost draw; only where they go differs.
    s = two_areas()
    replication = replicate(s, np.random.SeedSequence(5), 0)
    a, b = replication.simulation, replication.without
    for name in ("industry", "area", "size", "foreign", "registered_year", "revenue"):
        assert np.array_equal(getattr(a.entities, name), getattr(b.entities, name)), name
    assert np.array_equal(a.projects["entity"], b.projects["entity"])
    assert np.array_equal(a.projects["requested"], b.projects["requested"])
    placed = (a.projects["operating"] < NEVER) & (b.projects["operating"] < NEVER)
    lifetime = a.projects["exit"] - a.projects["operating"]
    assert placed.sum() > 20
    assert np.array_equal(lifetime[placed], (b.projects["exit"] - b.projects["operating"])[placed])
    # the draws are a function of the seed alone: drawn again they are the same, and they decide where each
    # attempt goes: in the south (FTZ land not a constraint) it stays without the agreement exactly when its
    # stay draw is below the stay share
    again = draw(s, np.random.SeedSequence(5))
    assert np.array_equal(again.entities.revenue, a.entities.revenue)
    assert np.array_equal(again.stays, draw(s, np.random.SeedSequence(5)).stays)
    south = b.entities.area[b.projects["entity"]] == 1
    wants = again.stays[b.projects["entity"]] < s.population.give_up_stays_in_ftz
    assert south.sum() > 50
    assert np.array_equal(b.projects["outcome"][south] == "stayed_in_ftz", wants[south])
    # in the north, 30 ha of FTZ land: only those who want to stay do, and no more than the land allows
    north = ~south
    assert not (north & ~wants & (b.projects["outcome"] == "stayed_in_ftz")).any()
    assert b.projects["land_ha"][north & (b.projects["ftz_landed"] < NEVER)].sum() <= 30 + 1e-9 + (
        b.projects["land_ha"][north & (b.projects["exit"] < 12 * s.horizon.years)].sum()
    )


def test_referral_effort_only_brings_attempts_forward():
    # Effort above 1 (origin share 0.8 against a reference of 0.5, elasticity 1): the with-agreement hazard is
    # 1.6 × the no-agreement one on the same uniform draws, so every entity that reinvests without the
    # agreement reinvests with it, in the same year or earlier.
    s = world(
        {"ftz_entities": 5000},
        agreements=[
            {"id": "a", "origin": "ftz", "host": "zone", "ratio": {"schedule": [{"from": 2023, "origin": 0.8}]}}
        ],
        behavior={"origin_referral_elasticity": 1.0, "reference_origin_share": 0.5},
    )
    replication = replicate(s, np.random.SeedSequence(6), 0)
    a, b = replication.simulation.projects, replication.without.projects
    year_with = dict(zip(a["entity"], a["requested"] // 12, strict=True))
    assert len(a["entity"]) > len(b["entity"]) > 500
    assert all(e in year_with and year_with[e] <= y for e, y in zip(b["entity"], b["requested"] // 12, strict=True))
    # first year: 5,000 × 5% × 1.6 = 400 with the agreement, 250 without
    assert abs((a["requested"] < 12).sum() - 400) < 4 * math.sqrt(400 * 0.92)
    assert abs((b["requested"] < 12).sum() - 250) < 4 * math.sqrt(250 * 0.95)


def test_effort_is_relative_to_the_reference_share():
    assert effort(0.6, 1.0, 0.5) == pytest.approx(1.2)
    assert effort(0.25, 2.0, 0.5) == pytest.approx(0.25)
    assert effort(0.3, 0.0, 0.5) == 1.0 and effort(0.3, 1.0, 0.0) == 1.0
    s = two_areas()
    assert s.reference_origin_shares() == [0.6, 0.7]  # each agreement's first phase
    named = two_areas(behavior={"reference_origin_share": 0.5})
    assert named.reference_origin_shares() == [0.5, 0.5]


def test_same_seed_same_arrays_whatever_the_workers():
    s = two_areas()
    one = project(s, 11, replications=3, workers=1)
    two = project(s, 11, replications=3, workers=2)
    for name in ("receipts", "with_agreement", "without_agreement", "net_benefit"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    for x, y in zip(one.outcomes, two.outcomes, strict=True):
        assert np.array_equal(x.passed, y.passed) and np.array_equal(x.points, y.points, equal_nan=True)
        assert x.attempts == y.attempts and x.land == y.land
    assert not np.array_equal(one.without_agreement[0], one.without_agreement[1])  # replications differ


def test_outcome_shapes_and_assessment_results():
    s = two_areas()
    projection = project(s, 2, replications=1)
    outcome = projection.outcomes[0]
    n_holders, years = len(holders(s)), s.horizon.years
    assert holders(s) == ["ftz_n", "ftz_s", "zone_n", "zone_s", "province"]
    for array in (outcome.without, outcome.stayed, projection.with_agreement[0], projection.net_benefit[0]):
        assert array.shape == (n_holders, years) and array.dtype == np.int64
    assert outcome.passed.dtype == np.int8 and outcome.passed.shape == (2, years)
    assessed = outcome.passed >= 0
    assert assessed.any() and np.isnan(outcome.points[~assessed]).all() and not np.isnan(outcome.points[assessed]).any()
    records = projection.first.simulation.assessments
    assert assessed.sum() == len(records)
    assert set(outcome.land) == {"zone_granted", "zone_released", "ftz_used", "ftz_used_without"}
    assert (
        outcome.land["zone_granted"]
        == projection.first.simulation.projects["land_ha"][projection.first.simulation.projects["landed"] < NEVER].sum()
    )
    # no reward, cost or compensation: the net benefit is the gain
    assert np.array_equal(net_benefit(s, outcome), gains(s, outcome))
    assert np.array_equal(projection.gains[0], gains(s, outcome))
    # the per-agreement table still sums the origin's part of each agreement
    origin = projection.receipts[0, :, :, ORIGIN]
    assert origin.sum() == (party_receipts(s, outcome) - outcome.stayed)[:2].sum()


def test_net_benefit_adds_reward_and_costs_to_the_gain():
    # A cost of 1,000,000 yuan in 2024, 30% the origin's; no reward: net = gain − 300,000.00 (origin) and
    # − 700,000.00 (host) in 2024, the gain elsewhere.
    base = two_areas()
    agreements = [
        base.agreements[0].model_copy(
            update={"cost_sharing": [{"year": 2024, "amount_yuan": 1_000_000, "origin": 0.3}]}
        ),
        base.agreements[1],
    ]
    s = base.model_copy(update={"agreements": agreements})
    outcome = project(s, 2).outcomes[0]
    difference = net_benefit(s, outcome) - gains(s, outcome)
    expected = np.zeros_like(difference)
    expected[0, 1], expected[2, 1] = -30_000_000, -70_000_000
    np.testing.assert_array_equal(difference, expected)


def test_resplit_changes_only_the_with_agreement_side():
    s = two_areas()
    baseline = project(s, 7, replications=2)
    agreements = [a.model_copy(update={"ratio": {"schedule": [{"from": 2023, "origin": 0.3}]}}) for a in s.agreements]
    variant = s.model_copy(update={"agreements": agreements})
    again = resplit(variant, baseline)
    assert np.array_equal(again.without_agreement, baseline.without_agreement)
    assert not np.array_equal(again.with_agreement, baseline.with_agreement)
    direct = project(variant, 7, replications=2)
    assert np.array_equal(again.with_agreement, direct.with_agreement)
    assert np.array_equal(again.net_benefit, direct.net_benefit)
