"""The one family of errors a user can cause: bad files, bad keys, bad rows.

Each names the file and where in it (a row number or a key path), so the CLI can print
`error: <file>[:<where>]: <reason>` and exit 2, and the app can show the same words.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sim.messages import bilingual, render


class InputError(Exception):
    """Bad input a user can fix; never a bug of ours."""

    def __init__(self, file: str, where: str | None, key: str, **params: object) -> None:
        self.file = file
        self.where = where
        self.key = key
        self.params = params
        super().__init__(self.line())

    def reason(self, lang: str | None = None) -> str:
        return bilingual(self.key, **self.params) if lang is None else render(self.key, lang, **self.params)

    def line(self, lang: str | None = None) -> str:
        place = f"{self.file}:{self.where}" if self.where else self.file
        return f"error: {place}: {self.reason(lang)}"


def suggestion(word: str, choices: Iterable[str]) -> dict[str, str]:
    """`hint`/`hint_en` parameters naming the closest known word, or empty strings."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    if not close:
        return {"hint": "", "hint_en": ""}
    return {"hint": f"（是否应为 {close[0]!r}？）", "hint_en": f" (did you mean {close[0]!r}?)"}
