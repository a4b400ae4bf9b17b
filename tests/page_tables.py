"""The tables an AppTest page shows, as data frames of the text a reader sees: the grids (st.dataframe) and the
small tables drawn as HTML (st.html), read back with the standard library's HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
from streamlit.testing.v1 import AppTest


class _Tables(HTMLParser):
    """Every <table> of an HTML text: its header cells, its body rows, and which rows are marked as totals."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.found.append({"head": [], "rows": [], "totals": [], "amount_columns": []})
        elif tag == "tr":
            self._row = []
            if ("class", "total") in attrs:
                self.found[-1]["totals"].append(len(self.found[-1]["rows"]))
        elif tag in ("th", "td"):
            self._cell = []
            if tag == "th" and ("class", "amount") in attrs:
                self.found[-1]["amount_columns"].append(len(self._row))

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self.found[-1]
            if table["head"] or not self._row:
                table["rows"].append(self._row)
            else:
                table["head"] = self._row
            self._row = None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def html_text(html: str) -> str:
    """The text a reader sees in an HTML fragment, pieces joined by spaces."""
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def html_tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.found


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table on the page, as its text."""
    small = [t for element in at.get("html") for t in html_tables(element.value)]
    return [element.value for element in at.dataframe] + [pd.DataFrame(t["rows"], columns=t["head"]) for t in small]
