"""Finding residents by phone number, and recording unknown callers and texters as new residents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import insert_skipping, persistent, table
from app.phones import PhoneNumber
from app.residents.models import Resident


def by_phone(session: Session, e164: str) -> Resident | None:
    return session.scalar(select(Resident).where(Resident.phone == e164))


def find_or_create(session: Session, phone: PhoneNumber, language: str) -> Resident:
    """The resident with this number, created (with no community yet) if unknown.

    The insert skips on conflict (one statement, no savepoint), so two first texts from one
    number arriving together end with one resident: the second reads the first one's row.
    """
    return by_phone(session, phone.e164) or create(session, phone, language)


# Built once (each new resident binds its values); every column comes back through RETURNING,
# defaults included, so reading the resident later costs no SELECT.
_INSERT = insert_skipping(table(Resident), "phone", *table(Resident).columns)


def create(session: Session, phone: PhoneNumber, language: str) -> Resident:
    """A new resident for a number nobody had a moment ago (or the one created meanwhile)."""
    values = {"phone": phone.e164, "phone_kind": phone_kind(phone), "language": language}
    connection = session.connection()
    stored = connection.execute(_INSERT[connection.dialect.name], values).one_or_none()
    if stored is not None:
        return persistent(session, Resident(), dict(stored._mapping))
    existing = by_phone(session, phone.e164)
    assert existing is not None
    return existing


def phone_kind(phone: PhoneNumber) -> str:
    """ "mobile" for numbers we text, "landline" for those reached by voice only."""
    return "mobile" if phone.can_receive_sms else "landline"


def hold(session: Session, resident: Resident) -> None:
    """Lock the resident's row until the unit of work ends, so their reports are handled one
    at a time: a phone resending a problem a dozen times at once opens one ticket, and the
    copies find it. (SQLite's writers already take turns; it has no row locks.)

    FOR NO KEY UPDATE, not FOR UPDATE: rows that refer to the resident (tickets, messages) take
    a key-share lock on it when inserted, and must not queue behind this one, or a worker
    dispatching the resident's ticket and a text waiting here deadlock."""
    if session.get_bind().dialect.name == "sqlite":
        return
    query = select(Resident.id).where(Resident.id == resident.id)
    session.execute(query.with_for_update(key_share=True))
