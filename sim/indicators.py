"""The statistics (有关统计数据) an agreement shares besides tax, by id, with their Chinese names."""

from __future__ import annotations

INDICATORS = ("output", "value_added", "investment", "trade", "fdi", "employment", "entities")
INDICATOR_NAMES = {
    "output": "产值",
    "value_added": "增加值",
    "investment": "固定资产投资",
    "trade": "进出口",
    "fdi": "实际使用外资",
    "employment": "从业人员",
    "entities": "市场主体数",
}
COUNT_INDICATORS = frozenset({"employment", "entities"})  # whole numbers; the rest are yuan (fen inside)
