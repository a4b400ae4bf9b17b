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


def parse_fen(text: pa.Array) -> tuple[np.ndarray, int | None, str | None]:
    """Parse decimal text (yuan) to int64 fen in Arrow's C++ kernels.

    Returns (fen, first_bad_position, message_key). Commas used as thousands separators are accepted
    because spreadsheet exports carry them; "1.230" is two decimals of value and fine, "1.235" is refused.
    """
    text = pc.replace_substring(text, ",", "")
    for pattern, key, bad_when in (
        (_AMOUNT, "amount_format", False),
        (r"\.\d{2}\d*[1-9]", "amount_decimals", True),
        (r"^[+-]?0*\d{16,}", "amount_range", True),
    ):
        matched = pc.match_substring_regex(text, pattern)
        position = first(matched if bad_when else pc.invert(matched))
        if position is not None:
            return np.zeros(0, np.int64), position, key
    text = pc.replace_substring_regex(text, r"\.$", "")
    fen = pc.multiply(pc.cast(text, pa.decimal128(17, 2)), pa.scalar(FEN_PER_YUAN, pa.decimal128(3, 0)))
    return pc.cast(fen, pa.int64()).to_numpy(zero_copy_only=False), None, None
