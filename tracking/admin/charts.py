"""Charts drawn on the server as inline SVG: nothing to download, nothing from the internet, and
they scale with the page (a laptop or a phone). The numbers come from the figure selectors; this
module only places them."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ..periods import Period

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 14, 30


@dataclass
class Series:
    """One line of the chart: ``points`` by quarter, drawn as a line (village reports) or as dots
    (cited figures); ``goal``: the goal's straight path from its baseline to zero at its deadline."""

    label: str
    css: str
    points: dict[Period, int] = field(default_factory=dict)
    dots: dict[Period, int] = field(default_factory=dict)
    goals: list[tuple[Period, int, Period]] = field(default_factory=list)


def _nice_top(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if value <= step * 4:
            return step * 4
    return value


def line_chart(quarters: list[Period], series: list[Series], *, title: str) -> SafeString:
    """An SVG chart of ``series`` over ``quarters`` (the x axis, one tick a year), with each
    goal's path and deadline, a legend and a title read by screen readers."""
    if not quarters:
        return mark_safe("")
    first = quarters[0].index
    span = max(len(quarters) - 1, 1)
    values = [v for s in series for v in [*s.points.values(), *s.dots.values(), *(g[1] for g in s.goals)]]
    top = _nice_top(max(values + [1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(period: Period) -> float:
        return round(LEFT + plot_w * (period.last_quarter.index - first) / span, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value / top), 1)

    inside = {q.index for q in quarters}
    parts = [format_html('<title>{}</title>', title)]
    for i in range(5):
        value = top * i // 4
        parts.append(format_html(
            '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
            LEFT, WIDTH - RIGHT, y(value), y(value), LEFT - 6, y(value) + 4, value))
    for quarter in quarters:
        if quarter.number == 1 or len(quarters) <= 8:
            label = quarter.year if len(quarters) > 8 else str(quarter)
            parts.append(format_html('<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                                     x(quarter), HEIGHT - 8, label))
    for s in series:
        for baseline, value, deadline in s.goals:
            if baseline.last_quarter.index in inside or deadline.last_quarter.index in inside:
                parts.append(format_html(
                    '<line class="goal {}" x1="{}" y1="{}" x2="{}" y2="{}"><title>{}</title></line>',
                    s.css, x(_clip(baseline, quarters)), y(_on_path(baseline, value, deadline, _clip(baseline, quarters))),
                    x(_clip(deadline, quarters)), y(_on_path(baseline, value, deadline, _clip(deadline, quarters))),
                    f"{s.label}: {value} ({baseline}) → 0 ({deadline})"))
            if deadline.last_quarter.index in inside:
                parts.append(format_html(
                    '<line class="deadline" x1="{}" x2="{}" y1="{}" y2="{}"/><text class="axis" x="{}" y="{}">{}</text>',
                    x(deadline), x(deadline), TOP, HEIGHT - BOTTOM, x(deadline) + 3, TOP + 10, deadline))
        points = sorted((p, v) for p, v in s.points.items() if p.last_quarter.index in inside)
        if points:
            parts.append(format_html('<polyline class="series {}" points="{}"/>', s.css,
                                     " ".join(f"{x(p)},{y(v)}" for p, v in points)))
            parts.append(format_html_join("", '<circle class="point {}" cx="{}" cy="{}" r="2.5"><title>{}</title></circle>',
                                          ((s.css, x(p), y(v), f"{p}: {v}") for p, v in points)))
        dots = sorted((p, v) for p, v in s.dots.items() if p.last_quarter.index in inside)
        parts.append(format_html_join("", '<rect class="cited {}" x="{}" y="{}" width="7" height="7"><title>{}</title></rect>',
                                      ((s.css, x(p) - 3.5, y(v) - 3.5, f"{p}: {v}") for p, v in dots)))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" preserveAspectRatio="xMidYMid meet">{}</svg>',
        WIDTH, HEIGHT, mark_safe("".join(parts)))


def _clip(period: Period, quarters: list[Period]) -> Period:
    index = min(max(period.last_quarter.index, quarters[0].index), quarters[-1].index)
    return Period.from_index(index)


def _on_path(baseline: Period, value: int, deadline: Period, at: Period) -> float:
    """The goal's straight path from ``value`` at its baseline to zero at its deadline, at ``at``."""
    start, end = baseline.last_quarter.index, deadline.last_quarter.index
    if end <= start:
        return 0
    return value * (end - at.last_quarter.index) / (end - start)
