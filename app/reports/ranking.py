"""Ranking communities and departments by satisfaction, then by volume handled.

A unit whose rated answers are fewer than the minimum sample is listed after every qualified
unit, unranked: three satisfied residents must not put a tiny community above one that
handled three hundred requests at 97%.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.reports.figures import Figures


@dataclass(frozen=True)
class Unit:
    """A community or department as it appears in a report."""

    id: int | None
    code: str
    name: str
    name_en: str

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Rank:
    position: int | None  # None: below the minimum sample, not ranked
    unit: Unit
    figures: Figures


def rank(entries: list[tuple[Unit, Figures]], min_sample: int) -> list[Rank]:
    qualified = [(u, f) for u, f in entries if f.rated >= max(1, min_sample)]
    others = [(u, f) for u, f in entries if f.rated < max(1, min_sample)]
    qualified.sort(key=lambda e: (-(e[1].satisfaction_rate or 0), -e[1].handled, e[0].code))
    others.sort(key=lambda e: (-e[1].handled, e[0].code))
    return [Rank(n, u, f) for n, (u, f) in enumerate(qualified, 1)] + [
        Rank(None, u, f) for u, f in others
    ]
