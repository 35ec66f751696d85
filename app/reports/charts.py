"""Bar charts as geometry for inline SVG, drawn on the server so they work offline and print.

Only numbers and labels leave here; the template draws the SVG, and Jinja escapes the labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 180
TOP, BOTTOM, LEFT = 16, 24, 36  # room for value labels, day labels, the axis scale
MAX_LABELS = 16


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # shown under the bar ("" when thinned out)
    value: str  # shown as the bar's tooltip and above it


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    left: int
    top_value: str
    bars: list[Bar]


def bar_chart(points: list[tuple[str, float | None]], *, percent: bool = False) -> Chart:
    """One bar per (label, value); None draws no bar (e.g. a rate with nothing to divide)."""
    ceiling = 1.0 if percent else _nice(max((v or 0 for _, v in points), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(1, len(points))
    every = max(1, math.ceil(len(points) / MAX_LABELS))
    bars = []
    for n, (label, value) in enumerate(points):
        height = 0.0 if not value else plot_height * value / ceiling
        bars.append(
            Bar(
                x=round(LEFT + n * slot + slot * 0.15, 1),
                y=round(TOP + plot_height - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=label if n % every == 0 else "",
                value=_format(value, percent),
            )
        )
    return Chart(WIDTH, HEIGHT, TOP + plot_height, LEFT, _format(ceiling, percent), bars)


def _nice(value: float) -> float:
    """The next round number at or above `value` (1, 2, 5 × 10^n), so the scale reads well."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= value))


def _format(value: float | None, percent: bool) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.0f}%" if percent else f"{value:g}"
