"""Finding residents by phone number, and recording unknown callers and texters as new residents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.phones import PhoneNumber
from app.residents.models import Resident


def by_phone(session: Session, e164: str) -> Resident | None:
    return session.scalar(select(Resident).where(Resident.phone == e164))


def find_or_create(session: Session, phone: PhoneNumber, language: str) -> Resident:
    """The resident with this number, created (with no community yet) if unknown.

    The insert runs in a savepoint so that two first texts from one number arriving together
    end with one resident instead of an error.
    """
    resident = by_phone(session, phone.e164)
    if resident is not None:
        return resident
    resident = Resident(phone=phone.e164, phone_kind=phone_kind(phone), language=language)
    try:
        with session.begin_nested():
            session.add(resident)
    except IntegrityError:
        resident = by_phone(session, phone.e164)
        assert resident is not None
    return resident


def phone_kind(phone: PhoneNumber) -> str:
    """ "mobile" for numbers we text, "landline" for those reached by voice only."""
    return "mobile" if phone.can_receive_sms else "landline"
