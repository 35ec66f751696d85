"""Who takes calls put through from the IVR, and when the office is open.

Office hours are a setting (``HOTLINE_OFFICE_HOURS``, e.g. ``Mon-Fri 08:30-17:30``); the roster is
in the database so staff can change it without a deploy. The line only offers "press 0 for a
person" when the office is open *and* someone on the roster is on duty.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
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


def staff_available(
    session: Session, office: Availability, when: datetime, tz: str
) -> list[DutyShift]:
    """Who a caller can be put through to now: nobody outside office hours."""
    return on_duty(session, when, tz) if office.is_available(when, tz) else []


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
