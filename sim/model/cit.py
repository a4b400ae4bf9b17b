"""A zone project's corporate income tax by tax year: taxable income after losses carried forward, the rate
of its regime that year, and the Beibu Gulf exemption of the local part.

- Losses: a year's loss offsets the taxable income of the following five years, oldest loss first; what is
  left after five years expires (《企业所得税法》第十八条, 主席令第63号). High-tech enterprises carry ten years
  (财税〔2018〕76号).
- Rate: a project that is a small low-profit enterprise that year (taxable income, employees and assets within
  the thresholds, `sim.model.economics.small_low_profit`) takes the small/micro rate if it is lower than its
  own regime's (preferences are not combined: the better one applies); otherwise high-tech 15% or the
  industry's rate (`sim.model.entities.cit_rates`).
- Beibu Gulf exemption (桂政发〔2020〕42号; its conditions as 广西壮族自治区投资促进局 lists them, items 79, 80 and
  82 of tzcjj.gxzf.gov.cn/zntj/t13120681.shtml): an enterprise newly registered (新注册开办) in the economic
  zone is exempt from the local part of CIT for `local_cit_exemption_years` tax years from the tax year of its
  first main-business revenue, if it is a certified high-tech enterprise or qualifies for the Western
  Development rate (item 79), or is an industrial enterprise in the zone's designated industries (item 80) —
  the industry's `local_cit_exemption`, by default decided from these attributes — or, in the years it is a
  small low-profit enterprise (item 82). A zone project is taken as a company registered in the zone when it
  gets its land; registrations count while the policy is in force (national.beibu_gulf.local_cit_exempt:
  2021–2025). Item 80's clock (main business reaching 60% of revenue) is the first revenue year: a zone
  project's revenue is all main business.
"""

from __future__ import annotations

import numpy as np

from sim.model.economics import small_low_profit
from sim.model.entities import Entities, cit_rates, size_class
from sim.parameters import parameter
from sim.scenario import Scenario

LOSS_YEARS = 5  # 《企业所得税法》第十八条
LOSS_YEARS_HIGH_TECH = 10  # 财税〔2018〕76号


def taxable_income(profit: np.ndarray, loss_years: np.ndarray) -> np.ndarray:
    """[project, year] taxable income: each year's profit less the unexpired losses of earlier years, oldest
    first; a loss year has taxable income 0. `loss_years` [project]: how many years a loss may be carried."""
    n, years = profit.shape
    longest = int(np.max(loss_years, initial=0))
    losses = np.zeros((n, longest))  # column k: what is left of the loss of k + 1 years ago
    usable = np.arange(longest)[None, :] < np.asarray(loss_years)[:, None]
    taxable = np.zeros_like(profit)
    for y in range(years):
        remaining = np.maximum(profit[:, y], 0)
        for k in range(longest - 1, -1, -1):
            used = np.where(usable[:, k], np.minimum(losses[:, k], remaining), 0)
            losses[:, k] -= used
            remaining -= used
        taxable[:, y] = remaining
        if longest:
            losses[:, 1:] = losses[:, :-1]
            losses[:, 0] = np.maximum(-profit[:, y], 0)
    return taxable


def rates(
    s: Scenario, entities: Entities, entity: np.ndarray, small_low_profit_years: np.ndarray, years: np.ndarray
) -> np.ndarray:
    """[project, year] CIT rate: in a project's small low-profit years the small/micro rate where it is lower
    than its own regime's (high-tech or the industry's) — from 2028 the 20% small/micro rate is above 15%."""
    assert s.population is not None
    industry = entities.industry[entity]
    high_tech = entities.high_tech[entity][:, None]
    own = cit_rates(s.population, industry, size_class(np.zeros_like(small_low_profit_years), high_tech), years)
    small = cit_rates(s.population, industry, size_class(small_low_profit_years, high_tech), years)
    return np.minimum(small, own)


def small_low_profit_years(
    taxable: np.ndarray, payroll: np.ndarray, wage_yuan: float, investment: np.ndarray
) -> np.ndarray:
    """[project, year] small low-profit enterprise: its taxable income, employees (payroll / wage) and assets
    (its investment) that year within the thresholds."""
    return small_low_profit(taxable, payroll / wage_yuan, np.asarray(investment)[:, None])


def qualifying_industry(s: Scenario) -> np.ndarray:
    """[industry] whether its new enterprises qualify for the Beibu Gulf exemption by their industry: the
    industry's `local_cit_exemption`, or by default an industrial enterprise (item 80) or one on a rate below the
    standard 25%, the Western Development rate of encouraged industries (item 79)."""
    assert s.population is not None
    standard = float(parameter("national.cit_rate.standard").latest)
    return np.array(
        [
            i.local_cit_exemption if i.local_cit_exemption is not None else (i.industrial or i.cit_rate < standard)
            for i in s.population.industries
        ],
        bool,
    )


def local_exempt_share(
    s: Scenario,
    entities: Entities,
    entity: np.ndarray,
    landed: np.ndarray,
    operating: np.ndarray,
    small_low_profit_years: np.ndarray,
) -> np.ndarray:
    """[project, year] the share of the local part of CIT exempted: the policy's share in force when the project
    registered (landed), in the `local_cit_exemption_years` tax years from its first year with revenue, if it
    qualifies by industry or high-tech status, or in those years in which it is a small low-profit enterprise."""
    years = small_low_profit_years.shape[1]
    span = s.tax_rules.local_cit_exemption_years
    # the policy's share in force in each month a project can land in; a project that never landed: none
    by_month = np.append(
        parameter("national.beibu_gulf.local_cit_exempt").by_month(s.horizon.start_year, 12 * years), 0
    )
    in_force = by_month[np.minimum(np.asarray(landed, np.int64), 12 * years)]
    first_year = np.asarray(operating) // 12
    year = np.arange(years)[None, :]
    window = (year >= first_year[:, None]) & (year < first_year[:, None] + span)
    by_industry = qualifying_industry(s)[entities.industry[entity]] | entities.high_tech[entity]
    return in_force[:, None] * (window & (by_industry[:, None] | small_low_profit_years))
