"""Bar charts as geometry for inline SVG, drawn on the server so they work offline and print.

Only numbers and labels leave here; the template draws the SVG, and Jinja escapes the labels.
The SVG is drawn at its own size in pixels (never shrunk), so its text stays at FONT_PX;
every bar carries its value, and a daily series can carry a trend line (the moving average).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HEIGHT = 200
TOP, BOTTOM, LEFT, RIGHT = 22, 26, 44, 8  # room for values, day labels, the scale
MIN_WIDTH = 360
SLOT = 32  # pixels per bar: room for a value like "100%" over it
MAX_LABELS = 16  # day labels under the bars; more would touch
FONT_PX = 12  # axis labels and values; the page's checks want at least 11
LABEL_GAP = 6  # pixels at least between two labels under the bars
TREND_POINTS = 7  # the moving average's window: a week of days (fewer for longer bars)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # shown under the bar ("" when thinned out)
    value: str  # shown above the bar and as its tooltip


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    left: int
    top_value: str
    bars: list[Bar]
    trend: str = ""  # SVG polyline points of the moving average, "" for none
    font_px: int = FONT_PX


def bar_chart(
    points: list[tuple[str, float | None]],
    *,
    percent: bool = False,
    trend: bool = False,
    window: int = TREND_POINTS,
) -> Chart:
    """One bar per (label, value); None draws no bar (e.g. a rate with nothing to divide).
    With `trend`, a line through the `window`-point moving average of the values."""
    ceiling = 1.0 if percent else _nice(max((v or 0 for _, v in points), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    widest = max((_text_width(label) for label, _ in points), default=0.0)
    # Few bars: each wide enough for its label; many: SLOT each, and labels thinned out.
    wanted = SLOT if len(points) > MAX_LABELS else max(SLOT, math.ceil(widest + LABEL_GAP))
    width = max(MIN_WIDTH, LEFT + RIGHT + wanted * len(points))
    slot = (width - LEFT - RIGHT) / max(1, len(points))
    every = max(1, math.ceil(len(points) / MAX_LABELS), math.ceil((widest + LABEL_GAP) / slot))
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
    line = ""
    if trend:
        line = " ".join(
            f"{LEFT + (n + 0.5) * slot:.1f},{TOP + plot_height * (1 - mean / ceiling):.1f}"
            for n, mean in moving_average([v for _, v in points], window)
        )
    return Chart(width, HEIGHT, TOP + plot_height, LEFT, _format(ceiling, percent), bars, line)


def moving_average(
    values: list[float | None], window: int = TREND_POINTS
) -> list[tuple[int, float]]:
    """(index, mean of the last `window` known values) wherever at least one is known."""
    out = []
    for n in range(len(values)):
        known = [v for v in values[max(0, n - window + 1) : n + 1] if v is not None]
        if known:
            out.append((n, sum(known) / len(known)))
    return out


def _text_width(text: str) -> float:
    """About how wide `text` is drawn at FONT_PX: a Chinese character is square, Latin
    letters and digits a little over half as wide."""
    return sum(FONT_PX if ord(c) > 0x2E7F else FONT_PX * 0.62 for c in text)


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
