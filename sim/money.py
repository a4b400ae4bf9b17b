"""Money: integer fen inside, yuan with exactly two decimals outside; never a float on the way. Shares are
exact too: integer millionths.

numpy is imported where it is used, so that reading a scenario (`ftzshare validate`) does not pay for it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

FEN_PER_YUAN = 100
PPM = 1_000_000  # shares are exact decimals with at most six places, held as integer millionths
# |amount| ≤ 10¹⁵ yuan keeps every sum of a million rows far inside int64 (9.2·10¹⁸ fen).
MAX_ABS_YUAN = 10**15


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
    import numpy as np

    fen = np.asarray(fen, dtype=np.int64)
    magnitude = np.abs(fen)
    whole = (magnitude // FEN_PER_YUAN).astype(str)
    cents = np.char.mod("%02d", magnitude % FEN_PER_YUAN)
    sign = np.where(fen < 0, "-", "")
    return np.char.add(np.char.add(np.char.add(sign, whole), "."), cents).astype(object)


def yuan_text(fen: int) -> str:
    """One amount in fen as yuan text with two decimals."""
    return str(format_yuan([fen])[0])
