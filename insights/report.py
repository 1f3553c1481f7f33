"""What a measure returns: tables of numbers, each optionally drawn as a chart.

A table is the truth: the page shows it under its chart (for screen readers and for copying),
the CSV export writes it, the API returns it. A chart only draws columns of the same rows, so
the three can never disagree.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

# Column kinds: how a value is shown (the CSV and API keep the raw value).
TEXT, COUNT, PERCENT, DAYS, DATE, NUMBER = "text", "count", "percent", "days", "date", "number"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT


@dataclass(frozen=True)
class Chart:
    """How to draw a table: `kind` is bar, stacked, line, histogram or radars; `x` the column
    that labels each row (radars: the first row is the reference drawn on every other row's
    radar, and `series` are the axes)."""

    kind: str
    x: str
    series: tuple[str, ...]
    max_value: float | None = None  # e.g. 100 for percentages


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    chart: Chart | None = None
    note: str = ""  # how the figures are worked out, shown under the title
    empty: str = gettext_lazy("Nothing in this period.")

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "note": self.note,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [{c.key: _plain(row.get(c.key)) for c in self.columns} for row in self.rows],
        }

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.label for c in self.columns])
        for row in self.rows:
            writer.writerow([_cell(_plain(row.get(c.key))) for c in self.columns])
        return out.getvalue()


def _plain(value):
    """A JSON- and CSV-friendly value: dates as ISO text, everything else as it is."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    # A cell a spreadsheet would run as a formula (=, +, -, @ first) is quoted as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def share(part, whole) -> float | None:
    """`part` as a percentage of `whole`, one decimal; None when there is no whole to share."""
    if not whole:
        return None
    return round(100 * (part or 0) / whole, 1)


def median(values) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


@dataclass
class Figure:
    """A headline number on the overview (label, value, kind, and what it is out of)."""

    label: str
    value: object
    kind: str = COUNT
    detail: str = ""
    extra: dict = field(default_factory=dict)
