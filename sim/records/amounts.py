"""Amount columns (decimal yuan text) to integer fen, exactly and in bulk: money never passes through a float.

Parsing runs in Arrow's C++ kernels (a million amounts in well under a second) and refuses more than two
decimals instead of rounding them away.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.money import FEN_PER_YUAN
from sim.records.tabular import first

_AMOUNT = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$"
# Commas only as thousands separators, as spreadsheet exports carry them ("1,234,567.89"). Any other comma
# ("1,50", "12,34,5") is refused: in many locales it is a decimal comma, and dropping it would read 1.50
# as 150.00.
_GROUPED = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$"


def parse_fen(text: pa.Array) -> tuple[np.ndarray, int | None, str | None]:
    """Parse decimal text (yuan) to int64 fen in Arrow's C++ kernels.

    Returns (fen, first_bad_position, message_key). Commas are accepted only as thousands separators
    (see `_AMOUNT`); "1.230" is two decimals of value and fine, "1.235" is refused.
    """
    wrong = None
    commas = pc.match_substring(text, ",")
    if pc.any(commas).as_py():  # most files have none: then this costs one scan
        wrong = pc.and_(commas, pc.invert(pc.match_substring_regex(text, _GROUPED)))
        text = pc.replace_substring(text, ",", "")
    malformed = pc.invert(pc.match_substring_regex(text, _AMOUNT))
    position = first(malformed if wrong is None else pc.or_(wrong, malformed))
    if position is not None:
        return np.zeros(0, np.int64), position, "amount_format"
    for pattern, key in ((r"\.\d{2}\d*[1-9]", "amount_decimals"), (r"^[+-]?0*\d{16,}", "amount_range")):
        position = first(pc.match_substring_regex(text, pattern))
        if position is not None:
            return np.zeros(0, np.int64), position, key
    text = pc.replace_substring_regex(text, r"\.$", "")
    fen = pc.multiply(pc.cast(text, pa.decimal128(17, 2)), pa.scalar(FEN_PER_YUAN, pa.decimal128(3, 0)))
    return pc.cast(fen, pa.int64()).to_numpy(zero_copy_only=False), None, None
