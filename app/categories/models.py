"""Categories of request. Loaded from data/categories.yaml, so they are data, not code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Category(Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    # {"zh": [...], "en": [...]}: words that suggest this category in a text or a transcript.
    keywords: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The volunteer skill needed; None when a unit handles the category instead.
    skill: Mapped[str | None] = mapped_column(String(40))
    # Code of the department or partner unit that handles it, when one is imported.
    handled_by: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_zh
