"""Importing residents (name,phone,community,building,address,language)."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.communities.models import Community
from app.imports.csvfile import ImportReport, RowError, run_import
from app.phones import InvalidPhone, PhoneNumber, normalize
from app.residents.directory import phone_kind
from app.residents.models import Resident
from app.volunteers.models import Volunteer

LANGUAGES = ("zh", "en")


def parse_phone(raw: str, region: str, seen: set[str]) -> PhoneNumber:
    """A normalised number, refusing bad ones and a number that appears twice in one file."""
    try:
        phone = normalize(raw, region)
    except InvalidPhone as exc:
        raise RowError("import_bad_phone", value=raw) from exc
    if phone.e164 in seen:
        raise RowError("import_phone_twice", value=raw)
    seen.add(phone.e164)
    return phone


def community_by_code(session: Session, code: str) -> Community:
    community = session.scalar(select(Community).where(Community.code == code.lower()))
    if community is None:
        raise RowError("import_unknown_community", value=code)
    return community


def parse_language(raw: str) -> str:
    language = (raw or "zh").lower()
    if language not in LANGUAGES:
        raise RowError("import_bad_language", value=raw, choices=", ".join(LANGUAGES))
    return language


Person = TypeVar("Person", Resident, Volunteer)


def person_by_phone(
    session: Session, model: type[Person], phone: PhoneNumber, name: str
) -> tuple[Person, bool]:
    """The resident or volunteer with this number, or a new one; True when new. Re-importing a
    file updates people by phone number, the one identity every list agrees on."""
    person = session.scalar(select(model).where(model.phone == phone.e164))
    created = person is None
    if person is None:
        person = model(phone=phone.e164)
        session.add(person)
    person.phone_kind = phone_kind(phone)
    person.name = name
    return person, created


def import_residents(session: Session, path: Path, region: str) -> ImportReport:
    seen: set[str] = set()

    def apply(row: dict[str, str]) -> bool:
        phone = parse_phone(row["phone"], region, seen)
        community = community_by_code(session, row["community"])
        language = parse_language(row.get("language", ""))
        resident, created = person_by_phone(session, Resident, phone, row["name"])
        resident.community_id = community.id
        resident.building = row.get("building", "")
        resident.address = row.get("address", "")
        resident.language = language
        session.flush()
        return created

    return run_import(
        path,
        ("name", "phone", "community", "building", "address", "language"),
        ("name", "phone", "community"),
        apply,
    )
