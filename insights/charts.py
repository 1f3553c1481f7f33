"""Tables drawn as SVG charts by pygal, on the server.

The SVG is embedded as an image (a data: URL): pygal's SVG carries its own <style>, which the
site's Content-Security-Policy would refuse inline in the page, and an image runs no script.
The numbers a chart draws are always in the table under it.
"""

from __future__ import annotations

import base64
import datetime
import sys

import pygal
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext
from pygal.style import Style

from .report import PERCENT, Table

# pygal appends an import hook for its map plugins (pygal.maps.*, unused here) that Python 3.11
# warns about on every import that reaches it; the site draws no maps, so the hook goes.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

PALETTE = ("#1d4ed8", "#b45309", "#047857", "#be123c", "#6d28d9", "#0e7490", "#4d7c0f", "#a21caf")
STYLE_OPTIONS = dict(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2937",
    foreground_strong="#111827",
    foreground_subtle="#6b7280",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=12,
    title_font_size=16,
    colors=PALETTE,
    opacity=".85",
    opacity_hover=".95",
)
STYLE = Style(**STYLE_OPTIONS)
# Small multiples are drawn smaller than the page's charts: larger letters keep them legible.
# Radars against a reference draw the reference first, in the second colour, and see through.
RADAR_OPTIONS = {**STYLE_OPTIONS, "colors": (PALETTE[1], PALETTE[0]), "opacity": ".45", "opacity_hover": ".6"}
RADAR_STYLE = Style(**RADAR_OPTIONS)
SMALL_STYLE = Style(
    **{**RADAR_OPTIONS, "label_font_size": 18, "major_label_font_size": 18, "legend_font_size": 19, "title_font_size": 24}
)
KINDS = {
    "bar": pygal.Bar,
    "stacked": pygal.StackedBar,
    "line": pygal.Line,
    "histogram": pygal.Bar,
    # "radars" (small multiples of pygal.Radar) is drawn by _radars.
}
# Two drawings of each chart: a wide one, and a narrow one for phones (the same text size in a
# smaller drawing reads larger once scaled to the screen). Width, height, x labels shown at most.
WIDE = (860, 380, 24)
NARROW = (420, 400, 8)


def svg(table: Table, size: tuple[int, int, int] = WIDE) -> bytes | None:
    """The chart of `table` as SVG, or None when it has no chart or nothing to draw."""
    chart = table.chart
    if chart is None or not table.rows:
        return None
    width, height, max_labels = size
    narrow = size == NARROW
    options = dict(
        style=STYLE,
        js=[],  # pygal's tooltips load a script from the web: never (and CSP would refuse it)
        width=width,
        height=height,
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=1 if narrow else 3,
        truncate_legend=-1,
        truncate_label=-1,
        print_values=False,
        margin=16,
        spacing=12,
        x_label_rotation=30 if (len(table.rows) > 8 or narrow) else 0,
        range=(0, chart.max_value if chart.max_value is not None else _top(table)),
    )
    if chart.kind == "radars":
        return _radars(table, options, narrow)
    drawing = KINDS[chart.kind](**options)
    labels = [_label(row.get(chart.x)) for row in table.rows]
    drawing.x_labels = labels
    if len(labels) > max_labels:
        drawing.x_labels_major_every = -(-len(labels) // max_labels)
        drawing.show_minor_x_labels = False
    for key in chart.series:
        drawing.add(str(table.column(key).label), [_number(row.get(key)) for row in table.rows])
    if any(table.column(key).kind == PERCENT for key in chart.series):
        drawing.value_formatter = lambda v: f"{v:g}%"
    return drawing.render()


SMALL_MULTIPLES = 12  # radars drawn at most (the table lists every row)
SMALL_COLUMNS = 3  # (2 on phones)
SMALL_SIZE = (420, 440)


def _radars(table: Table, options: dict, narrow: bool = False) -> bytes | None:
    """Kind "radars", small multiples: the table's first row is a reference (e.g. the team's
    average) drawn on one small radar for each further row, up to SMALL_MULTIPLES, in a grid."""
    chart = table.chart
    reference, rows = table.rows[0], table.rows[1 : 1 + SMALL_MULTIPLES]
    if not rows:
        return None
    percent = any(table.column(key).kind == PERCENT for key in chart.series)

    def one(row: dict, width: int, height: int, style: Style, **extra) -> bytes:
        drawing = pygal.Radar(
            **{**options, "width": width, "height": height, "style": style, "x_label_rotation": 0, "fill": True, **extra}
        )
        drawing.x_labels = [str(table.column(key).label) for key in chart.series]
        # The reference first, under the row: the row's colour stays the first of the palette.
        for series in (reference, row):
            drawing.add(str(series.get(chart.x)), [_number(series.get(key)) for key in chart.series])
        if percent:
            drawing.value_formatter = lambda v: f"{v:g}%"
        return drawing.render()

    if len(rows) == 1:
        # pygal sets a radar's bottom legend past its own drawing: room below keeps it in the image.
        return one(rows[0], *((420, 480) if narrow else (860, 460)), RADAR_STYLE, show_legend=True, margin_bottom=56)
    width, height = SMALL_SIZE
    columns = min(2 if narrow else SMALL_COLUMNS, len(rows))
    lines = -(-len(rows) // columns)
    top = 56  # the key: which colour is the row, which the reference
    total = (columns * width, top + lines * height)
    key = escape(str(reference.get(chart.x)))
    person = escape(gettext("The person"))
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total[0]} {total[1]}" '
        f'width="{total[0]}" height="{total[1]}" font-family="{escape(STYLE_OPTIONS["font_family"])}" font-size="22">'
        '<rect width="100%" height="100%" fill="#ffffff"/>'
        f'<rect x="24" y="18" width="22" height="22" fill="{PALETTE[0]}"/><text x="56" y="37" fill="#111827">{person}</text>'
        f'<rect x="240" y="18" width="22" height="22" fill="{PALETTE[1]}"/>'
        f'<text x="272" y="37" fill="#111827">{key}</text>'.encode()
    ]
    for i, row in enumerate(rows):
        drawn = one(row, width, height, SMALL_STYLE, show_legend=False, title=str(row.get(chart.x)), margin_top=28)
        if drawn.startswith(b"<?xml"):
            drawn = drawn.split(b"?>", 1)[1].lstrip()
        x, y = (i % columns) * width, top + (i // columns) * height
        parts.append(drawn.replace(b"<svg ", f'<svg x="{x}" y="{y}" width="{width}" height="{height}" '.encode(), 1))
    parts.append(b"</svg>")
    return b"".join(parts)


def data_url(table: Table, size: tuple[int, int, int] = WIDE) -> str:
    drawn = svg(table, size)
    if drawn is None:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(drawn).decode("ascii")


def images(table: Table) -> dict | None:
    """{"wide": data URL, "narrow": data URL} for the page's <picture>, None without a chart."""
    wide = data_url(table)
    if not wide:
        return None
    return {"wide": wide, "narrow": data_url(table, NARROW)}


def _number(value):
    return None if value is None else float(value)


def _top(table: Table) -> float:
    """The y range's top: at least 1 so an all-zero chart still has an axis."""
    values = [row.get(key) or 0 for row in table.rows for key in table.chart.series]
    if table.chart.kind == "stacked":
        values = [sum(row.get(key) or 0 for key in table.chart.series) for row in table.rows]
    return max([1, *values])


def _label(value) -> str:
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    return "" if value is None else str(value)
