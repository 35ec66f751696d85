"""Ranking communities, departments and streets by a combined score of satisfaction and volume.

综合得分 score = 70 x satisfaction rate + 30 x (handled / the most handled by a ranked peer),
0 to 100, written to one decimal place. Satisfaction weighs most, as the street's appraisal
does; volume keeps a unit that handled three hundred requests at 97% above one that handled
twenty at 100%. Ties go to the higher satisfaction, then the more handled, then the code.

Minimum sample: a unit with fewer rated answers than the minimum (HOTLINE_RANKING_MIN_SAMPLE
for a week or any period, HOTLINE_YEARLY_MIN_SAMPLE for the year) is listed after every ranked
unit, without a place or a score: three satisfied residents must not put a tiny community on
top. Peers are compared within one level (communities with communities) and one street, or
the district when the report is the district's.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.reports.figures import Figures

SATISFACTION_WEIGHT = 70
VOLUME_WEIGHT = 30


@dataclass(frozen=True)
class Unit:
    """A community, department or street as it appears in a report."""

    id: int | None
    code: str
    name: str
    name_en: str
    street_id: int | None = None

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Rank:
    position: int | None  # None: below the minimum sample, not ranked
    unit: Unit
    figures: Figures
    score: float | None = None  # None when not ranked

    @property
    def score_text(self) -> str:
        return "—" if self.score is None else f"{self.score:.1f}"


def score(figures: Figures, most_handled: int) -> float:
    """The combined score, 0-100 (see the module's text)."""
    satisfaction = figures.satisfaction_rate or 0.0
    volume = figures.handled / most_handled if most_handled else 0.0
    return SATISFACTION_WEIGHT * satisfaction + VOLUME_WEIGHT * volume


def rank(entries: list[tuple[Unit, Figures]], min_sample: int) -> list[Rank]:
    """Ranked units by score, then the unranked (below the minimum sample) by volume."""
    enough = max(1, min_sample)
    qualified = [(u, f) for u, f in entries if f.rated >= enough]
    others = [(u, f) for u, f in entries if f.rated < enough]
    most = max((f.handled for _, f in qualified), default=0)
    scored = [(round(score(f, most), 1), u, f) for u, f in qualified]
    scored.sort(key=lambda e: (-e[0], -(e[2].satisfaction_rate or 0), -e[2].handled, e[1].code))
    others.sort(key=lambda e: (-e[1].handled, e[0].code))
    return [Rank(n, u, f, s) for n, (s, u, f) in enumerate(scored, 1)] + [
        Rank(None, u, f) for u, f in others
    ]
