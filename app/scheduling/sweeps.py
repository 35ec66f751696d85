"""The list of periodic sweeps the worker runs. Each domain owns its sweep functions.

Sweeps query deadline columns for what is due now and must be harmless to run twice.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.reports.weekly import weekly_report

Sweep = Callable[[Session], object]

SWEEPS: list[tuple[str, Sweep]] = [("weekly_report", weekly_report)]
