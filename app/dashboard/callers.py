"""Who is calling: the number staff type on the new-ticket page, looked up as they type.

Staff see the resident (name, community, address, landline or mobile), their open tickets and
their last ones, limited to what their scope covers: a community office learns only that a
number belongs to someone outside it, never whose it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import StaffUser
from app.auth.scope import ticket_scope
from app.categories.catalog import Classification, classify
from app.categories.models import Category
from app.dashboard import queries
from app.phones import InvalidPhone, PhoneNumber, normalize
from app.residents.directory import by_phone, phone_kind
from app.residents.models import Resident
from app.tickets.models import OPEN_STATUSES, Ticket

HISTORY = 5  # finished tickets shown under the open ones


@dataclass(frozen=True)
class Caller:
    typed: str
    phone: PhoneNumber | None = None
    kind: str = ""  # "mobile" or "landline", from the number itself
    resident: Resident | None = None
    elsewhere: bool = False  # a resident outside the user's scope
    open: list[Ticket] = field(default_factory=list)
    history: list[Ticket] = field(default_factory=list)
    suggestion: Classification | None = None
    suggested: Category | None = None  # the suggestion's category, for its name


def lookup(session: Session, user: StaffUser, typed: str, text: str, region: str) -> Caller:
    typed = typed.strip()[:40]
    suggestion = classify(text) if text.strip() else None
    suggested = session.get(Category, suggestion.category) if suggestion else None
    try:
        phone = normalize(typed, region)
    except InvalidPhone:
        return Caller(typed, suggestion=suggestion, suggested=suggested)
    known = by_phone(session, phone.e164)
    resident = queries.resident_in_scope(session, user, known.id) if known else None
    if resident is None:
        elsewhere = known is not None
        return Caller(
            typed, phone, phone_kind(phone), None, elsewhere, [], [], suggestion, suggested
        )
    tickets = list(
        session.scalars(
            select(Ticket)
            .where(Ticket.resident_id == resident.id, ticket_scope(user))
            .order_by(Ticket.received_at.desc())
            .limit(50)
        )
    )
    return Caller(
        typed,
        phone,
        resident.phone_kind,
        resident,
        open=[t for t in tickets if t.status in OPEN_STATUSES],
        history=[t for t in tickets if t.status not in OPEN_STATUSES][:HISTORY],
        suggestion=suggestion,
        suggested=suggested,
    )
