"""Net fiscal benefit: what a party gains from the agreements + attraction reward ± ecological compensation −
its part of the joint costs.

Cost sharing and the reward never change the tax allocation (DOMAIN.md §3); they are reported beside
it so officials see what each side gains after paying its part of the joint fiscal input. Per agreement the
balance starts from the receipts (`FiscalBalance.net`: a settlement has no counterfactual); per party, in a
projection, it starts from the gain against the no-agreement world (`transfers_by_party` + the gain,
`analysis.projection.net_benefit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from sim.apportion import by_shares, pair
from sim.scenario import Scenario, fen, ppm
from sim.sharing.split import Allocation

YUAN_PER_REWARD_UNIT = 100_000_000  # the reward is quoted per 100 million yuan invested


@dataclass(frozen=True)
class FiscalBalance:
    """[agreement, year, party] with party 0 = origin, 1 = host; fen."""

    years: np.ndarray
    receipts: np.ndarray
    reward: np.ndarray
    compensation: np.ndarray  # ecological compensation: + to the origin, − from the host
    cost: np.ndarray

    @property
    def net(self) -> np.ndarray:
        return self.receipts + self.reward + self.compensation - self.cost


def fiscal_balance(scenario: Scenario, allocation: Allocation, investment: np.ndarray | None) -> FiscalBalance:
    """`investment` is fen landed per [agreement, year] (from statistics or the simulation), or None."""
    shape = (len(scenario.agreements), len(allocation.years), 2)
    receipts = np.stack([allocation.origin.sum(axis=2), allocation.host.sum(axis=2)], axis=-1)
    reward = np.zeros(shape, np.int64)
    cost = np.zeros(shape, np.int64)
    compensation = np.zeros(shape, np.int64)
    for index, a in enumerate(scenario.agreements):
        if a.ecological_compensation is not None:
            host = np.maximum(receipts[index, :, 1], 0)
            paid = by_shares(host, pair(ppm(a.ecological_compensation.share_of_host_receipts)))[:, 0]
            compensation[index, :, 0] = paid
            compensation[index, :, 1] = -paid
        for item in a.cost_sharing:
            y = item.year - allocation.first_year
            cost[index, y] += by_shares(np.array(fen(item.amount_yuan)), pair(ppm(item.origin)))
        if a.attraction_reward is not None and investment is not None:
            rate = Decimal(str(a.attraction_reward.per_100m_yuan_invested))
            paid = np.array(
                [
                    int((Decimal(int(v)) * rate / YUAN_PER_REWARD_UNIT).quantize(1, ROUND_HALF_UP))
                    for v in investment[index]
                ],
                np.int64,
            )
            reward[index] = by_shares(paid, pair(ppm(a.attraction_reward.origin)))
    return FiscalBalance(allocation.years, receipts, reward, compensation, cost)


def transfers_by_party(scenario: Scenario, balance: FiscalBalance) -> np.ndarray:
    """[party (scenario.parties order), year] fen: reward + compensation − cost of every agreement, each side's
    part added to its party — what the net benefit adds to a party's gain."""
    index = {p.id: i for i, p in enumerate(scenario.parties)}
    out = np.zeros((len(scenario.parties), len(balance.years)), np.int64)
    flows = balance.reward + balance.compensation - balance.cost  # [agreement, year, side]
    for a, agreement in enumerate(scenario.agreements):
        out[index[agreement.origin]] += flows[a, :, 0]
        out[index[agreement.host]] += flows[a, :, 1]
    return out
