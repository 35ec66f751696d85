"""Importing residents (name,phone,community,building,address,language)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.communities.models import Community
from app.imports.csvfile import ImportReport, RowError, run_import
from app.phones import InvalidPhone, PhoneNumber, normalize
from app.residents.directory import phone_kind
from app.residents.models import Resident

LANGUAGES = ("zh", "en")


def parse_phone(raw: str, region: str, seen: set[str]) -> PhoneNumber:
    """A normalised number, refusing bad ones and a number that appears twice in one file."""
    try:
        phone = normalize(raw, region)
    except InvalidPhone as exc:
        raise RowError(f"phone {raw!r}: {exc}") from exc
    if phone.e164 in seen:
        raise RowError(f"phone {phone.e164} appears twice in the file")
    seen.add(phone.e164)
    return phone


def community_by_code(session: Session, code: str) -> Community:
    community = session.scalar(select(Community).where(Community.code == code.lower()))
    if community is None:
        raise RowError(f"unknown community {code!r} (import communities first)")
    return community


def parse_language(raw: str) -> str:
    language = (raw or "zh").lower()
    if language not in LANGUAGES:
        raise RowError(f"language {raw!r} must be one of {', '.join(LANGUAGES)}")
    return language


def import_residents(session: Session, path: Path, region: str) -> ImportReport:
    seen: set[str] = set()

    def apply(row: dict[str, str]) -> bool:
        phone = parse_phone(row["phone"], region, seen)
        community = community_by_code(session, row["community"])
        language = parse_language(row.get("language", ""))
        resident = session.scalar(select(Resident).where(Resident.phone == phone.e164))
        created = resident is None
        if resident is None:
            resident = Resident(phone=phone.e164)
            session.add(resident)
        resident.phone_kind = phone_kind(phone)
        resident.name = row["name"]
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
