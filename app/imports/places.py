"""Importing streets (code,name,name_en), communities (code,name,name_en[,staff_phone][,street])
and departments (code,name,name_en,liaison_phone[,kind][,street][,categories]); `street` is the
code of an imported street, `categories` the `;`-separated category codes the unit handles for
its street (empty: what the categories' data file names it for; a file without the column
leaves them as they were)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.categories.catalog import load
from app.communities.models import Community, Department, Street, UnitKind
from app.imports.csvfile import ImportReport, RowError, run_import
from app.phones import InvalidPhone, normalize

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def check_code(code: str, seen: set[str]) -> str:
    code = code.lower()
    if not _CODE.match(code):
        raise RowError("import_bad_code", value=code)
    if code in seen:
        raise RowError("import_code_twice", value=code)
    seen.add(code)
    return code


def optional_phone(row: dict[str, str], column: str, region: str) -> str | None:
    """The E.164 form of an optional phone column, None when empty."""
    if not row.get(column):
        return None
    try:
        return normalize(row[column], region).e164
    except InvalidPhone as exc:
        raise RowError("import_bad_phone", value=row[column]) from exc


Place = TypeVar("Place", Community, Department, Street)


def upsert_by_code(
    session: Session, model: type[Place], code: str, row: dict[str, str]
) -> tuple[Place, bool]:
    """The row with this code (created if new) with its names set; True when created."""
    place = session.scalar(select(model).where(model.code == code))
    created = place is None
    if place is None:
        place = model(code=code)
        session.add(place)
    place.name = row["name"]
    place.name_en = row.get("name_en", "")
    return place, created


def import_streets(session: Session, path: Path, region: str = "CN") -> ImportReport:
    seen: set[str] = set()

    def apply(row: dict[str, str]) -> bool:
        _, created = upsert_by_code(session, Street, check_code(row["code"], seen), row)
        session.flush()
        return created

    return run_import(path, ("code", "name", "name_en"), ("code", "name"), apply)


def optional_street(session: Session, row: dict[str, str]) -> Street | None:
    """The street named by an optional `street` column (its code), None when empty."""
    code = (row.get("street") or "").strip().lower()
    if not code:
        return None
    street = session.scalar(select(Street).where(Street.code == code))
    if street is None:
        raise RowError("import_unknown_street", value=code)
    return street


def import_communities(session: Session, path: Path, region: str = "CN") -> ImportReport:
    seen: set[str] = set()

    def apply(row: dict[str, str]) -> bool:
        code = check_code(row["code"], seen)
        staff_phone = optional_phone(row, "staff_phone", region)
        street = optional_street(session, row)
        community, created = upsert_by_code(session, Community, code, row)
        if staff_phone is not None:
            community.staff_phone = staff_phone
        if street is not None:
            community.street = street
        session.flush()
        return created

    return run_import(path, ("code", "name", "name_en"), ("code", "name"), apply)


def parse_kind(raw: str) -> UnitKind:
    try:
        return UnitKind(raw or UnitKind.department)
    except ValueError:
        raise RowError("import_bad_kind", value=raw) from None


def parse_categories(raw: str) -> list[str]:
    codes = [c.strip().lower() for c in raw.split(";") if c.strip()]
    known = {c["code"] for c in load().categories}
    if unknown := [c for c in codes if c not in known]:
        raise RowError(f"category {unknown[0]!r} is not in data/categories.yaml")
    return codes


def import_departments(session: Session, path: Path, region: str) -> ImportReport:
    seen: set[str] = set()

    def apply(row: dict[str, str]) -> bool:
        code = check_code(row["code"], seen)
        phone = optional_phone(row, "liaison_phone", region)
        unit, created = upsert_by_code(session, Department, code, row)
        unit.liaison_phone = phone
        unit.kind = parse_kind(row.get("kind", ""))
        if (street := optional_street(session, row)) is not None:
            unit.street = street
        if row.get("categories") is not None:
            unit.categories = parse_categories(row["categories"])
        session.flush()
        return created

    return run_import(path, ("code", "name", "name_en", "liaison_phone"), ("code", "name"), apply)
