"""Decimal text ⇄ integer fen, exactly: money never passes through a float.

Parsing is vectorised over whole columns (a million amounts in well under a second) and refuses
more than two decimals instead of rounding them away.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.tabular import first

FEN_PER_YUAN = 100
# |amount| ≤ 10¹⁵ yuan keeps every sum of a million rows far inside int64 (9.2·10¹⁸ fen).
MAX_ABS_YUAN = 10**15

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


def decimal_fen(value: object) -> int | None:
    """One amount (yuan) from a scenario file to fen; None when it has more than two decimals."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    scaled = d * FEN_PER_YUAN
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def format_yuan(fen: np.ndarray) -> np.ndarray:
    """int64 fen → yuan text with exactly two decimals ("-12.05"), vectorised."""
    fen = np.asarray(fen, dtype=np.int64)
    magnitude = np.abs(fen)
    whole = pd.Series(magnitude // FEN_PER_YUAN).astype(str)
    cents = pd.Series(magnitude % FEN_PER_YUAN).astype(str).str.zfill(2)
    sign = np.where(fen < 0, "-", "")
    return (sign + whole + "." + cents).to_numpy(dtype=object)


def yuan_text(fen: int) -> str:
    """One amount in fen as yuan text with two decimals."""
    return str(format_yuan(np.array([fen]))[0])
