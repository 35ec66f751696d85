"""Load the category data file into the database and classify free text against it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.categories.danger import HazardKind
from app.categories.danger import detect as detect_danger
from app.categories.models import Category
from app.config import PROJECT_ROOT
from app.i18n import fold

CATEGORY_FILE = PROJECT_ROOT / "data" / "categories.yaml"
FALLBACK = "other"
BROAD_WEIGHT = 0.5  # a `broad` keyword counts half as much as a specific one


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Catalog:
    """The parsed data file: categories in menu order."""

    categories: list[dict[str, Any]] = field(default_factory=list)


@cache
def load(path: Path = CATEGORY_FILE) -> Catalog:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if data.get("spec_version") != 1:
        raise CatalogError(f"{path}: spec_version must be 1")
    categories = data.get("categories") or []
    codes = [c.get("code") for c in categories]
    if not codes or any(not c for c in codes) or len(set(codes)) != len(codes):
        raise CatalogError(f"{path}: every category needs a unique code")
    if FALLBACK not in codes:
        raise CatalogError(f"{path}: a category {FALLBACK!r} is required as the fallback")
    return Catalog(categories=categories)


@cache
def _names(path: Path = CATEGORY_FILE) -> dict[str, dict[str, str]]:
    return {c["code"]: {"zh": c["name_zh"], "en": c["name_en"]} for c in load(path).categories}


@cache
def _handlers(path: Path = CATEGORY_FILE) -> dict[str, str]:
    return {c["code"]: c["handled_by"] for c in load(path).categories if c.get("handled_by")}


@cache
def _skills(path: Path = CATEGORY_FILE) -> dict[str, str]:
    return {c["code"]: c.get("skill") or c["code"] for c in load(path).categories}


def skill_of(code: str) -> str:
    """The volunteer skill a category asks for, from the data file read once per process (a
    category without one asks for the skill of its own name)."""
    return _skills().get(code, code)


def handler_code(code: str) -> str | None:
    """The department or partner unit code the data file names for a category: the default of a
    unit that declares no categories (`Department.handles`); routing keeps to the street."""
    return _handlers().get(code)


def category_name(code: str, language: str) -> str | None:
    """A category's name from the data file, read once per process (None for a code it lacks)."""
    names = _names().get(code)
    return None if names is None else names["en" if language == "en" else "zh"]


def sync(session: Session, path: Path = CATEGORY_FILE) -> int:
    """Add or update every category in the file; returns how many rows changed."""
    existing = {c.code: c for c in session.scalars(select(Category))}
    changed = 0
    for position, entry in enumerate(load(path).categories):
        values = {
            "name_zh": entry["name_zh"],
            "name_en": entry["name_en"],
            "keywords": _keywords(entry),
            "skill": entry.get("skill"),
            "handled_by": entry.get("handled_by"),
            "position": position,
        }
        row = existing.get(entry["code"])
        if row is None:
            session.add(Category(code=entry["code"], **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed += 1
    session.flush()
    return changed


def _keywords(entry: dict[str, Any]) -> dict[str, list[str]]:
    """The words stored on the category row, broad ones included (speech hints, the page)."""
    merged: dict[str, list[str]] = {}
    for key in ("keywords", "broad"):
        for language, words in (entry.get(key) or {}).items():
            merged.setdefault(language, []).extend(words or [])
    return merged


@dataclass(frozen=True)
class Classification:
    category: str
    matched: str | None  # the keyword that decided it
    urgent: bool
    danger_word: str | None
    hazard: HazardKind | None = None  # what kind of danger, for the advice the resident gets


def classify(text: str, path: Path = CATEGORY_FILE) -> Classification:
    """Guess the category of `text` from the keyword data, and whether it reports danger.

    Every keyword found counts for its length, a longer keyword covering a shorter one inside
    it (楼道灯 over 灯); a category's `broad` words (漏水 happens to walls, roofs and washing
    machines too) count half, so the more specific word wins a tie: 外墙漏水 is building repair.
    The category with the most counted wins; equal counts go to the one listed first.
    """
    text = fold(text)  # "熱水器壞了" is 热水器坏了
    scores: dict[str, float] = {}
    decisive: dict[str, str] = {}
    for code, word, weight in _non_overlapping(_keyword_hits(text, path)):
        scores[code] = scores.get(code, 0.0) + len(word) * weight
        if len(word) > len(decisive.get(code, "")):
            decisive[code] = word
    order = _order(path)
    best = max(scores, key=lambda code: (scores[code], -order[code]), default=None)
    hazard = detect_danger(text)
    return Classification(
        category=best or FALLBACK,
        matched=decisive[best] if best else None,
        urgent=hazard is not None,
        danger_word=hazard.word if hazard else None,
        hazard=hazard.kind if hazard else None,
    )


@cache
def _order(path: Path) -> dict[str, int]:
    """Each category's place in the file (ties go to the one listed first)."""
    return {entry["code"]: n for n, entry in enumerate(load(path).categories)}


_Hit = tuple[int, int, str, str, float]  # start, end, category, keyword, weight
_Keyword = tuple[str, str, float, str, bool]  # category, keyword, weight, needle, ascii


# Words that hold a short keyword but are not about it: 出门 is going out, not a door; 进门 and
# 门口 are places, 上门 a visit. A keyword inside one of these counts only if it is the longer
# ("上门看看").
LOOK_ALIKES = re.compile(r"出远门|出门|进门|门口|上门|门诊|串门")


def _keyword_hits(text: str, path: Path) -> list[_Hit]:
    hits = _all_keyword_hits(text, path)
    spans = [m.span() for m in LOOK_ALIKES.finditer(text)] if hits else []
    return [
        hit
        for hit in hits
        if not any(s <= hit[0] and hit[1] <= e and hit[1] - hit[0] < e - s for s, e in spans)
    ]


def _all_keyword_hits(text: str, path: Path) -> list[_Hit]:
    hits: list[_Hit] = []
    folded = text.casefold()
    # Only keywords whose first character the text has can occur in it (a few of hundreds);
    # a plain substring test then, as it costs far less than the pattern (which finds the whole
    # words, and where).
    by_first = _keywords_by_first(path)
    candidates = sorted(i for c in set(text) | set(folded) for i in by_first.get(c, ()))
    keywords = _keywords_of(path)
    for i in candidates:
        code, word, weight, needle, ascii_word = keywords[i]
        if needle in (folded if ascii_word else text):
            hits.extend(
                (m.start(), m.end(), code, word, weight) for m in _word_pattern(word).finditer(text)
            )
    return hits


@cache
def _keywords_of(path: Path) -> list[_Keyword]:
    """Every keyword in file order, with what must occur in the text for it to match."""
    found = []
    for entry in load(path).categories:
        for key, weight in (("keywords", 1.0), ("broad", BROAD_WEIGHT)):
            for words in (entry.get(key) or {}).values():
                for word in words or []:
                    ascii_word = word.isascii()
                    needle = word.casefold() if ascii_word else word
                    found.append((entry["code"], word, weight, needle, ascii_word))
    return found


@cache
def _keywords_by_first(path: Path) -> dict[str, tuple[int, ...]]:
    """The positions in `_keywords_of` of the keywords starting with each character."""
    positions: dict[str, list[int]] = {}
    for i, (*_, needle, _ascii) in enumerate(_keywords_of(path)):
        positions.setdefault(needle[0], []).append(i)
    return {first: tuple(found) for first, found in positions.items()}


def _non_overlapping(hits: list[_Hit]) -> list[tuple[str, str, float]]:
    """Longest hits first; a hit inside or across one already taken is dropped."""
    taken: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (-(h[1] - h[0]), h[0])):
        if all(hit[1] <= t[0] or hit[0] >= t[1] for t in taken):
            taken.append(hit)
    return [(code, word, weight) for _, _, code, word, weight in taken]


@cache
def _word_pattern(word: str) -> re.Pattern[str]:
    """Chinese as a substring; English as a whole word (plurals too), in any case."""
    if not word.isascii():
        return re.compile(re.escape(word))
    return re.compile(r"(?<![a-z])" + re.escape(word.lower()) + r"(?:e?s)?(?![a-z])", re.IGNORECASE)
