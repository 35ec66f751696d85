"""Load the category data file into the database and classify free text against it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.categories.danger import HazardKind
from app.categories.danger import detect as detect_danger
from app.categories.models import Category
from app.config import PROJECT_ROOT

CATEGORY_FILE = PROJECT_ROOT / "data" / "categories.yaml"
FALLBACK = "other"


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Catalog:
    """The parsed data file: categories in menu order."""

    categories: list[dict] = field(default_factory=list)


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


def sync(session: Session, path: Path = CATEGORY_FILE) -> int:
    """Add or update every category in the file; returns how many rows changed."""
    existing = {c.code: c for c in session.scalars(select(Category))}
    changed = 0
    for position, entry in enumerate(load(path).categories):
        values = {
            "name_zh": entry["name_zh"],
            "name_en": entry["name_en"],
            "keywords": {k: list(v or []) for k, v in (entry.get("keywords") or {}).items()},
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


@dataclass(frozen=True)
class Classification:
    category: str
    matched: str | None  # the keyword that decided it
    urgent: bool
    danger_word: str | None
    hazard: HazardKind | None = None  # what kind of danger, for the advice the resident gets


def classify(text: str, path: Path = CATEGORY_FILE) -> Classification:
    """Guess the category of `text` from the keyword data; the longest matching keyword wins."""
    catalog = load(path)
    best: tuple[int, str, str] | None = None
    for entry in catalog.categories:
        for words in (entry.get("keywords") or {}).values():
            for word in words or []:
                if _matches(word, text) and (best is None or len(word) > best[0]):
                    best = (len(word), entry["code"], word)
    hazard = detect_danger(text)
    return Classification(
        category=best[1] if best else FALLBACK,
        matched=best[2] if best else None,
        urgent=hazard is not None,
        danger_word=hazard.word if hazard else None,
        hazard=hazard.kind if hazard else None,
    )


def _matches(word: str, text: str) -> bool:
    if word.isascii():
        return _word_pattern(word).search(text) is not None
    return word in text


@cache
def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])" + re.escape(word.lower()) + r"(?:e?s)?(?![a-z])", re.IGNORECASE)
