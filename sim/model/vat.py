"""A zone project's VAT beyond its output: taxpayer status, input VAT on its own investment, the credit carried
forward (留抵) and refunds of incremental excess credit (增量留抵退税), and what a refund does to the surcharge.

- Status: a small-scale taxpayer (files quarterly, simplified method, no input credit) while its yearly sales
  stay at or below the threshold (`sim.model.economics.small_scale_vat`); a general taxpayer (monthly, credits
  input VAT) from the year they first exceed it, for good — a general taxpayer cannot return to small-scale
  (国家税务总局令第43号 第十条). A project whose sales exceed the threshold by its first full calendar year of
  operation registers as a general taxpayer at landing (voluntary registration, 第三条), so it credits the
  input VAT of its construction.
- Input VAT: the investment is spent evenly over the construction months from landing; its equipment part
  carries the goods rate (13%), its buildings the construction rate (9%) (公告2019年第39号), the rest (land,
  fees) none.
- Credit: each month's input VAT and the carried credit offset that month's output VAT; what is left is
  carried forward. A share of each month's new excess credit (all of it is incremental: zone projects are new
  since 2019) is refunded with the next month's return, booked as negative VAT (公告2019年第39号, 公告2022年第14号).
- Surcharge: the refunded VAT is deducted from the base of the urban maintenance tax on later VAT payments
  (财政部 税务总局公告2021年第28号) — a refund is not a negative surcharge, since no surcharge was paid on it.
"""

from __future__ import annotations

import numpy as np

from sim.model.economics import small_scale_vat
from sim.parameters import parameter


def general_taxpayer(sales: np.ndarray, operating: np.ndarray) -> np.ndarray:
    """[project, year] True where the project is a general VAT taxpayer, from its yearly sales [project, year]
    and the month its operation starts (year index × 12 + month)."""
    above = ~small_scale_vat(sales)
    years = sales.shape[1]
    first_full = np.minimum((np.asarray(operating) + 11) // 12, years - 1).astype(np.int64)
    planned = (above & (np.arange(years)[None, :] <= first_full[:, None])).any(axis=1)
    return planned[:, None] | np.logical_or.accumulate(above, axis=1)


def dated(path: str, start_year: int, months: int) -> np.ndarray:
    """A national parameter's value in force in each month of the horizon (`Parameter.by_month`)."""
    return np.array(parameter(path).by_month(start_year, months), np.float64)


def investment_input_vat(
    investment: np.ndarray,
    landed: np.ndarray,
    operating: np.ndarray,
    equipment_share: float,
    building_share: float,
    start_year: int,
    months: int,
) -> np.ndarray:
    """Input VAT [project, month] on the investment, spent evenly from landing over the construction months
    (in the landing month when there is no construction)."""
    spend_months = np.maximum(np.asarray(operating) - landed, 1)[:, None]
    month = np.arange(months)[None, :]
    spending = (month >= landed[:, None]) & (month < landed[:, None] + spend_months)
    rate = equipment_share * dated("national.vat_rate.goods", start_year, months) + building_share * dated(
        "national.vat_rate.construction", start_year, months
    )
    return spending * (np.asarray(investment)[:, None] / spend_months) * rate[None, :]


def credit(due: np.ndarray, input_vat: np.ndarray, refund_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """VAT payable and credit refunded [project, month] (the month the liability or excess arises): input VAT and
    the carried credit offset output VAT `due`; `refund_share` [project, month] of each month's new excess is
    refunded, the rest carried forward."""
    payable = np.zeros_like(due)
    refund = np.zeros_like(due)
    carried = np.zeros(due.shape[0])
    for m in range(due.shape[1]):
        available = carried + input_vat[:, m]
        payable[:, m] = np.maximum(due[:, m] - available, 0)
        left = np.maximum(available - due[:, m], 0)
        refund[:, m] = np.maximum(left - carried, 0) * refund_share[:, m]
        carried = left - refund[:, m]
    return payable, refund


def surcharge_base(paid: np.ndarray, refunded: np.ndarray) -> np.ndarray:
    """The urban maintenance tax base [project, month]: VAT paid less the VAT refunded so far and not yet
    deducted (`paid` ≥ 0 and `refunded` ≥ 0, both in the month booked)."""
    base = np.zeros_like(paid)
    pending = np.zeros(paid.shape[0])
    for m in range(paid.shape[1]):
        pending += refunded[:, m]
        deducted = np.minimum(pending, paid[:, m])
        base[:, m] = paid[:, m] - deducted
        pending -= deducted
    return base
