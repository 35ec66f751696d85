"""Importing volunteers (name,phone,community,skills,building,max_active,availability,language).

Re-importing updates a volunteer by phone number; their history counters are kept.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.bad_input import BadInput, whole_number
from app.categories.catalog import load
from app.imports.csvfile import ImportReport, RowError, run_import
from app.imports.people import community_by_code, parse_language, parse_phone, person_by_phone
from app.volunteers.availability import Availability, InvalidAvailability
from app.volunteers.models import Volunteer

COLUMNS = (
    "name",
    "phone",
    "community",
    "skills",
    "building",
    "max_active",
    "availability",
    "language",
)
REQUIRED = ("name", "phone", "community", "skills")
DEFAULT_MAX_ACTIVE = 2


def parse_skills(raw: str) -> list[str]:
    known = {c["code"] for c in load().categories}
    skills = sorted({s.strip().lower() for s in raw.replace("；", ";").split(";") if s.strip()})
    unknown = [s for s in skills if s not in known]
    if unknown:
        raise RowError("import_unknown_skills", value=", ".join(unknown))
    if not skills:
        raise RowError("import_no_skills")
    return skills


def parse_max_active(raw: str) -> int:
    if not raw:
        return DEFAULT_MAX_ACTIVE
    try:
        number = whole_number(raw, "max_active", maximum=1000)
    except BadInput:
        number = None
    if number is None or number < 1:
        raise RowError("import_bad_max_active", value=raw)
    return number


def parse_availability(raw: str) -> Availability:
    try:
        return Availability.parse(raw)
    except InvalidAvailability as exc:
        raise RowError("import_bad_availability", value=raw) from exc


def import_volunteers(session: Session, path: Path, region: str) -> ImportReport:
    seen: set[str] = set()

    def apply(row: dict[str, str]) -> bool:
        # A landline is fine: offers reach it as a call, answered with 1 or 2.
        phone = parse_phone(row["phone"], region, seen)
        community = community_by_code(session, row["community"])
        skills = parse_skills(row["skills"])
        max_active = parse_max_active(row.get("max_active", ""))
        availability = parse_availability(row.get("availability", ""))
        language = parse_language(row.get("language", ""))
        volunteer, created = person_by_phone(session, Volunteer, phone, row["name"])
        volunteer.community_id = community.id
        volunteer.building = row.get("building", "")
        volunteer.max_active = max_active
        volunteer.language = language
        volunteer.skills = skills
        volunteer.set_availability(availability)
        session.flush()
        return created

    return run_import(path, COLUMNS, REQUIRED, apply)
