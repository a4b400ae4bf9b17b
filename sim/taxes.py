"""Tax types and the national central : local split in force (DOMAIN.md §2).

The shares are data: `national.central_share.<tax id>` in `sim/parameters/national.yaml`, dated, with their
documents. Scenario files may override the central shares; the national rule is the default.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.parameters import parameter


@dataclass(frozen=True)
class TaxType:
    id: str
    name: str  # Chinese name, as in treasury exports
    name_en: str

    @property
    def central_share(self) -> str:
        """The national central share in force (the last dated value), as exact decimal text."""
        return str(parameter(f"national.central_share.{self.id}").latest)

    def central_share_at(self, year: int) -> str:
        """The national central share in force on 1 January of `year`, as exact decimal text."""
        return str(parameter(f"national.central_share.{self.id}").at(year))


TAX_TYPES: tuple[TaxType, ...] = (
    TaxType("vat", "增值税", "domestic VAT"),
    TaxType("cit", "企业所得税", "corporate income tax"),
    TaxType("iit", "个人所得税", "individual income tax"),
    TaxType("urban_maintenance", "城市维护建设税", "urban maintenance & construction tax"),
    TaxType("property", "房产税", "property tax"),
    TaxType("land_use", "城镇土地使用税", "urban land use tax"),
    TaxType("land_appreciation", "土地增值税", "land appreciation tax"),
    TaxType("deed", "契税", "deed tax"),
    TaxType("stamp", "印花税", "stamp duty (not securities)"),
    TaxType("environmental", "环境保护税", "environmental protection tax"),
)

TAX_IDS: tuple[str, ...] = tuple(t.id for t in TAX_TYPES)
TAX_INDEX: dict[str, int] = {t.id: i for i, t in enumerate(TAX_TYPES)}

# Accepted spellings in ledgers: the id, the Chinese name, and common treasury variants.
TAX_ALIASES: dict[str, str] = {
    **{t.id: t.id for t in TAX_TYPES},
    **{t.name: t.id for t in TAX_TYPES},
    "国内增值税": "vat",
    "城建税": "urban_maintenance",
    "土地使用税": "land_use",
    "印花税（不含证券交易）": "stamp",
    "环保税": "environmental",
}

# Taxes that are 100% central: never shareable, so a ledger naming them is told so plainly.
CENTRAL_ONLY: frozenset[str] = frozenset(
    {
        "import_vat",
        "进口增值税",
        "进口环节增值税",
        "consumption_tax_import",
        "进口消费税",
        "进口环节消费税",
        "tariff",
        "关税",
        "securities_stamp",
        "证券交易印花税",
        "consumption",
        "消费税",
    }
)
