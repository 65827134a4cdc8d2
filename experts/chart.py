"""A server-rendered SVG step chart of reputation over time (no JavaScript, no external service).

:func:`build` turns ``(day, reputation)`` points into coordinates; the template
``experts/includes/reputation_chart.svg.html`` draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 14, 30


@dataclass
class Tick:
    position: str
    label: str


@dataclass
class Chart:
    width: int
    height: int
    path: str
    area: str
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    first: tuple[date, int] | None = None
    last: tuple[date, int] | None = None
    peak: int = 0
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    end_x: str = "0"
    end_y: str = "0"


def _num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing zero: 52, 189.1."""
    return f"{round(value, 1):g}"


def _nice_ceiling(value: int) -> int:
    """10, 20, 50, 100, 200, 500… at or above ``value``."""
    value = max(value, 10)
    magnitude = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def build(points: list[tuple[date, int]], *, width: int = WIDTH, height: int = HEIGHT) -> Chart:
    """Coordinates of a step line through ``points`` (sorted by day; later values of a day win)."""
    by_day: dict[date, int] = {}
    for day, value in sorted(points, key=lambda p: p[0]):
        by_day[day] = value
    days = sorted(by_day)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    first, last = days[0], days[-1]
    span = max((last - first).days, 1)
    peak = max(by_day.values())
    top_value = _nice_ceiling(peak)

    def x(day: date) -> str:
        return _num(LEFT + plot_w * (day - first).days / span)

    def y(value: int) -> str:
        return _num(TOP + plot_h * (1 - value / top_value))

    commands = [f"M{x(days[0])},{y(by_day[days[0]])}"]
    for previous, day in zip(days, days[1:], strict=False):
        commands.append(f"H{x(day)}")
        if by_day[day] != by_day[previous]:
            commands.append(f"V{y(by_day[day])}")
    if len(days) == 1:
        commands.append(f"H{LEFT + plot_w}")
    path = " ".join(commands)
    end_x = _num(LEFT + plot_w) if len(days) == 1 else x(last)
    area = f"{path} V{TOP + plot_h} H{x(first)} Z"
    y_ticks = [Tick(position=y(v), label=str(v)) for v in (0, top_value // 2, top_value)]
    x_days = [first, last] if span < 2 else [first, first + (last - first) / 2, last]
    x_ticks = [Tick(position=x(d), label=d.strftime("%d.%m.%y")) for d in x_days]
    return Chart(width=width, height=height, path=path, area=area, x_ticks=x_ticks, y_ticks=y_ticks,
                 first=(first, by_day[first]), last=(last, by_day[last]), peak=peak,
                 plot_right=LEFT + plot_w, plot_bottom=TOP + plot_h, end_x=end_x, end_y=y(by_day[last]))
