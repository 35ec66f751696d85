"""The district's streets, their communities, and the departments and partner units tickets can
be handed to. A street (街道) is the level above communities: it has its own departments, its
figures and rankings, and staff who may be limited to it."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.categories.catalog import handler_code
from app.db import Base, str_enum


class NamedPlace:
    """A community or unit: a short code used in files and URLs, and names in both languages."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Street(NamedPlace, Base):
    """A street (街道, sub-district): its communities and departments, ranked and reported on
    together; the district is every street."""

    __tablename__ = "streets"


class Community(NamedPlace, Base):
    """A community (社区) with its own staff office and volunteers."""

    __tablename__ = "communities"

    # None on an installation that has not set up streets: then the district is one street.
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    street: Mapped[Street | None] = relationship()

    # Texted when a ticket finds no taker or breaches its deadline; gets the weekly summary.
    staff_phone: Mapped[str | None] = mapped_column(String(20))


class UnitKind(StrEnum):
    department = "department"  # one of the street's departments; 3-day deadline once escalated
    partner = "partner"  # property manager, sanitation office, ...: handles a category directly


class Department(NamedPlace, Base):
    """A street department or partner unit, reached through its liaison's phone."""

    __tablename__ = "departments"

    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind, 20), default=UnitKind.department)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    street: Mapped[Street | None] = relationship()
    liaison_phone: Mapped[str | None] = mapped_column(String(20))
    # The category codes this unit handles for its street's requests (`categories` column of
    # `hotline import departments`). Empty: the categories' data file decides (`handled_by`
    # names this unit's code). See app/tickets/routing.py.
    categories: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    def handles(self, category_code: str) -> bool:
        """Does this unit take requests of this category for its street?"""
        if self.categories:
            return category_code in self.categories
        return handler_code(category_code) == self.code
