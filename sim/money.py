"""Decimal text ⇄ integer fen, exactly: money never passes through a float.

Parsing is vectorised over whole columns (a million amounts in well under a second) and refuses
more than two decimals instead of rounding them away.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

FEN_PER_YUAN = 100
# |amount| ≤ 10¹⁵ yuan keeps every sum of a million rows far inside int64 (9.2·10¹⁸ fen).
MAX_ABS_YUAN = 10**15

_AMOUNT = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"


def parse_fen(column: pd.Series) -> tuple[np.ndarray, int | None, str | None]:
    """Parse decimal text (yuan) to int64 fen.

    Returns (fen, first_bad_position, message_key); commas used as thousands separators and
    surrounding blanks are accepted because spreadsheet exports carry them.
    """
    text = column.astype(str).str.strip().str.replace(",", "", regex=False)
    ok = text.str.fullmatch(_AMOUNT)
    if not ok.all():
        return np.zeros(0, np.int64), int(np.flatnonzero(~ok.to_numpy())[0]), "amount_format"
    parts = text.str.partition(".")
    whole, frac = parts[0], parts[2]
    long_frac = frac.str.len() > 2
    if long_frac.any():
        # "1.230" is still two decimals of value; only non-zero digits beyond the fen are refused.
        excess = frac.str.slice(2).str.strip("0").str.len() > 0
        if excess.any():
            return np.zeros(0, np.int64), int(np.flatnonzero(excess.to_numpy())[0]), "amount_decimals"
        frac = frac.str.slice(0, 2)
    negative = whole.str.startswith("-").to_numpy()
    digits = whole.str.lstrip("+-")
    too_long = digits.str.lstrip("0").str.len() > 15
    if too_long.any():
        return np.zeros(0, np.int64), int(np.flatnonzero(too_long.to_numpy())[0]), "amount_range"
    yuan = pd.to_numeric(digits.where(digits != "", "0")).to_numpy(np.int64)
    fen = pd.to_numeric(frac.str.ljust(2, "0")).to_numpy(np.int64)
    value = yuan * FEN_PER_YUAN + fen
    return np.where(negative, -value, value), None, None


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
