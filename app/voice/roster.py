"""Who takes calls put through from the IVR, and when the office is open.

Office hours are a setting (``HOTLINE_OFFICE_HOURS``, e.g. ``Mon-Fri 08:30-17:30``); the roster is
in the database so staff can change it without a deploy. The line only offers "press 0 for a
person" when the office is open *and* someone on the roster is on duty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import ColumnElement, String, Text, cast, func, select
from sqlalchemy.orm import Session

from app.imports.csvfile import ImportReport, RowError, run_import
from app.phones import InvalidPhone, normalize
from app.voice.models import DutyShift
from app.volunteers.availability import Availability, InvalidAvailability

ROSTER_COLUMNS = ("name", "phone", "hours")


def office_hours(text: str) -> Availability:
    """Parse the office hours setting; an unreadable one stops start-up with the reason."""
    try:
        hours = Availability.parse(text)
    except InvalidAvailability as exc:
        raise ValueError(f"HOTLINE_OFFICE_HOURS: {exc}") from exc
    return hours


def on_duty(session: Session, when: datetime, tz: str) -> list[DutyShift]:
    """Active roster entries whose weekly hours include ``when``, in a stable order."""
    shifts = session.scalars(
        select(DutyShift).where(DutyShift.active.is_(True)).order_by(DutyShift.id)
    )
    return [s for s in shifts if Availability.from_json(s.hours).is_available(when, tz)]


@dataclass(frozen=True)
class Roster:
    """The roster as read at one moment: each active entry's number and weekly hours, and the
    roster's ``fingerprint`` as the database worked it out then (see ``fingerprint``)."""

    fingerprint: str
    shifts: tuple[tuple[str, Availability], ...]

    def available(self, office: Availability, when: datetime, tz: str) -> tuple[str, ...]:
        """Who a caller can be put through to at ``when``: nobody outside office hours."""
        if not office.is_available(when, tz):
            return ()
        return tuple(phone for phone, hours in self.shifts if hours.is_available(when, tz))


class KeptRoster:
    """The roster as this process read it last, for answering calls without reading it again
    (their statement checks the fingerprint; see ``app.voice.openings``)."""

    def __init__(self) -> None:
        self.last: Roster | None = None


def fingerprint() -> ColumnElement[str]:
    """Every roster entry (inactive ones too) as one string, computed by the database: while it
    equals a ``Roster``'s, the roster is as that one read it. A statement can hold it as a
    condition, so checking a roster kept in memory costs no statement of its own."""
    entry = (
        cast(DutyShift.id, String)
        + ":"
        + DutyShift.phone
        + ":"
        + cast(DutyShift.active, String)
        + ":"
        + cast(DutyShift.hours, Text)
    )
    listed = select(entry.label("entry")).order_by(DutyShift.id).subquery()
    return func.coalesce(select(func.aggregate_strings(listed.c.entry, ";")).scalar_subquery(), "")


def read_roster(session: Session) -> Roster:
    """The roster now, with its fingerprint, in one SELECT."""
    rows = session.execute(
        select(DutyShift.phone, DutyShift.hours, DutyShift.active, fingerprint()).order_by(
            DutyShift.id
        )
    ).all()
    return Roster(
        rows[0][3] if rows else "",
        tuple((phone, Availability.from_json(hours)) for phone, hours, active, _ in rows if active),
    )


def set_shift(session: Session, name: str, phone: str, hours: str, region: str) -> bool:
    """Add or update the roster entry for ``phone``; returns True when it was added.

    Raises ``RowError`` with a reason a person can act on for a bad number or hours.
    """
    try:
        number = normalize(phone, region)
    except InvalidPhone:
        raise RowError("import_bad_phone", value=phone) from None
    try:
        weekly = Availability.parse(hours)
    except InvalidAvailability:
        raise RowError("import_bad_hours", value=hours) from None
    shift = session.scalar(select(DutyShift).where(DutyShift.phone == number.e164))
    created = shift is None
    if shift is None:
        shift = DutyShift(phone=number.e164)
        session.add(shift)
    shift.name, shift.hours, shift.active = name, weekly.to_json(), True
    session.flush()
    return created


def import_roster(session: Session, path: Path, region: str) -> ImportReport:
    """Columns ``name,phone,hours`` (hours like availability: ``Mon-Fri 08:30-12:00``)."""
    return run_import(
        path,
        ROSTER_COLUMNS,
        ROSTER_COLUMNS,
        lambda row: set_shift(session, row["name"], row["phone"], row["hours"], region),
    )
