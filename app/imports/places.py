"""Importing communities (code,name,name_en[,staff_phone]) and departments
(code,name,name_en,liaison_phone)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.communities.models import Community, Department, UnitKind
from app.imports.csvfile import ImportReport, RowError, run_import
from app.phones import InvalidPhone, normalize

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def check_code(code: str, seen: set[str]) -> str:
    code = code.lower()
    if not _CODE.match(code):
        raise RowError(f"code {code!r} must be lower-case letters, digits, - or _")
    if code in seen:
        raise RowError(f"code {code!r} appears twice in the file")
    seen.add(code)
    return code


def optional_phone(row: dict[str, str], column: str, region: str) -> str | None:
    """The E.164 form of an optional phone column, None when empty."""
    if not row.get(column):
        return None
    try:
        return normalize(row[column], region).e164
    except InvalidPhone as exc:
        raise RowError(f"{column} {row[column]!r}: {exc}") from exc


def import_communities(session: Session, path: Path, region: str = "CN") -> ImportReport:
    seen: set[str] = set()

    def apply(row: dict[str, str]) -> bool:
        code = check_code(row["code"], seen)
        staff_phone = optional_phone(row, "staff_phone", region)
        community = session.scalar(select(Community).where(Community.code == code))
        created = community is None
        if community is None:
            community = Community(code=code)
            session.add(community)
        community.name = row["name"]
        community.name_en = row.get("name_en", "")
        if staff_phone is not None:
            community.staff_phone = staff_phone
        session.flush()
        return created

    return run_import(path, ("code", "name", "name_en"), ("code", "name"), apply)


def parse_kind(raw: str) -> UnitKind:
    try:
        return UnitKind(raw or UnitKind.department)
    except ValueError:
        raise RowError(f"kind {raw!r} must be department or partner") from None


def import_departments(session: Session, path: Path, region: str) -> ImportReport:
    seen: set[str] = set()

    def apply(row: dict[str, str]) -> bool:
        code = check_code(row["code"], seen)
        phone = optional_phone(row, "liaison_phone", region)
        unit = session.scalar(select(Department).where(Department.code == code))
        created = unit is None
        if unit is None:
            unit = Department(code=code)
            session.add(unit)
        unit.name = row["name"]
        unit.name_en = row.get("name_en", "")
        unit.liaison_phone = phone
        unit.kind = parse_kind(row.get("kind", ""))
        session.flush()
        return created

    return run_import(path, ("code", "name", "name_en", "liaison_phone"), ("code", "name"), apply)
