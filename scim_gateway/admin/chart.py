"""A step chart of seats in use and purchased over a term, drawn as SVG on the server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

from .. import i18n

WIDTH, HEIGHT = 800, 280
# Room for the labels, which the stylesheet enlarges on phones (the drawing is scaled down).
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40


@dataclass(frozen=True)
class Point:
    """Seats at the end of a day."""

    on: date
    seats_used: int
    seats_purchased: int


@dataclass(frozen=True)
class Projection:
    """The forecast's line: seats in use from its value today to a later day."""

    start: date
    start_value: float
    end: date
    end_value: float


def _ticks(top: int) -> list[int]:
    step = max(1, top // 4)
    for nice in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if nice >= step:
            step = nice
            break
    return list(range(0, top + 1, step))


def _month(day: date) -> str:
    """Return a month's short name in the language being spoken ("Mar", "mar")."""
    return format_date(day, "MMM", locale=i18n.language())


def draw(
    points: list[Point],
    *,
    start: date,
    end: date,
    until: date,
    projection: Projection | None = None,
) -> Markup:
    """Draw the chart from start to end, with lines up to until; points are sorted by day.

    A projection is drawn as a dotted line from its start to its end.
    """
    span = max((end - start).days, 1)
    projected = [projection.start_value, projection.end_value] if projection else []
    top = max([p.seats_purchased for p in points] + [p.seats_used for p in points] + [1])
    top = int(max([top, *projected]))
    top = int(top * 1.1) + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + plot_w * min(max((day - start).days, 0), span) / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    def path(values: list[tuple[date, int]]) -> str:
        if not values:
            return ""
        parts = [f"M{x(values[0][0]):.1f},{y(values[0][1]):.1f}"]
        for day, value in values[1:]:
            parts.append(f"H{x(day):.1f}V{y(value):.1f}")
        parts.append(f"H{x(min(until, end)):.1f}")
        return "".join(parts)

    used = path([(p.on, p.seats_used) for p in points])
    bought = path([(p.on, p.seats_purchased) for p in points])
    grid = []
    for tick in _ticks(top):
        grid.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#e3e6ec"/><text class="tick" x="{LEFT - 6}" y="{y(tick):.1f}" '
            f'text-anchor="end" dominant-baseline="middle" font-size="11" fill="#5b6475">'
            f"{tick}</text>"
        )
    months: list[str] = []
    day = start.replace(day=1)
    while day < end:
        if day >= start:
            # Every other month is "alt": phones, with room for half the labels, hide those.
            kind = "month alt" if len(months) % 2 else "month"
            months.append(
                f'<text class="{kind}" x="{x(day):.1f}" y="{HEIGHT - 10}" font-size="11" '
                'fill="#5b6475" '
                f'text-anchor="middle">{escape(_month(day))}</text>'
            )
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    last = points[-1] if points else None
    label = _(
        "Seats in use and purchased from %(start)s to %(end)s",
        start=i18n.day(start),
        end=i18n.day(min(until, end)),
    )
    if last:
        label = _(
            "%(chart)s: now %(used)d in use of %(purchased)d",
            chart=label,
            used=last.seats_used,
            purchased=last.seats_purchased,
        )
    forecast = ""
    if projection is not None:
        label = _(
            "%(chart)s; at the current pace %(count)d in use on %(day)s",
            chart=label,
            count=round(projection.end_value),
            day=i18n.day(projection.end),
        )
        forecast = (
            f'<path d="M{x(projection.start):.1f},{y(projection.start_value):.1f}'
            f'L{x(projection.end):.1f},{y(projection.end_value):.1f}" fill="none" '
            'stroke="#c2410c" stroke-width="2.5" stroke-dasharray="2 4"/>'
        )
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(grid)
        + "".join(months)
        + f'<line x1="{x(until):.1f}" x2="{x(until):.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#b9c0cc" stroke-dasharray="4 4"/>'
        + f'<path d="{bought}" fill="none" stroke="#8a94a6" stroke-width="2.5" '
        'stroke-dasharray="6 4"/>'
        + f'<path d="{used}" fill="none" stroke="#2b59c3" stroke-width="2.5"/>'
        + forecast
        + "</svg>"
    )
    return Markup(svg)
