"""What an urgent ticket sets off at once: the right advice to the resident, and a text to the
staff on duty and to the community office, ahead of everything else in the outbox."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import i18n
from app.categories.danger import HazardKind
from app.clock import utcnow
from app.config import current_settings
from app.messaging.models import Priority as SendPriority
from app.messaging.outbox import Text, queue_sms
from app.phones import dialable
from app.tickets import office
from app.tickets.lifecycle import SYSTEM, record
from app.tickets.models import EventKind, Ticket
from app.tickets.summary import place, problem_summary
from app.voice.roster import on_duty

# The reply a resident gets first: what to do now, and which number to call.
ADVICE_TEMPLATES: dict[HazardKind | None, str] = {
    HazardKind.gas: "ticket_urgent_gas",
    HazardKind.fire: "ticket_urgent_fire",
    HazardKind.injury: "ticket_urgent_injury",
    HazardKind.water: "ticket_urgent_water",
}
GENERAL_ADVICE = "ticket_created_urgent"  # 110/119/120 all at once


def advice_template(hazard: HazardKind | None) -> str:
    return ADVICE_TEMPLATES.get(hazard, GENERAL_ADVICE)


def alert_staff(session: Session, ticket: Ticket, hazard: HazardKind | None) -> list[str]:
    """Text everyone on duty now and the ticket's community office; returns who was texted."""
    settings = current_settings()
    phones = [shift.phone for shift in on_duty(session, utcnow(), settings.HOTLINE_TIMEZONE)]
    staff = office.staff_phone(ticket)  # the office's for a ticket with no community yet
    if staff is not None:
        phones.append(staff)
    phones = list(dict.fromkeys(phones))
    resident = ticket.resident
    values = {
        "code": ticket.code,
        "hazard": i18n.text("zh", f"hazard_{hazard or 'other'}"),
        "category": ticket.category.display_name("zh") if ticket.category else "",
        "place": place(ticket, "zh") or i18n.text("zh", "place_unknown"),
        "summary": problem_summary(ticket.description, hide=False),
        "phone": dialable(resident.phone, settings.HOTLINE_REGION) if resident else "",
    }
    for phone in phones:
        text = Text("staff_urgent", "zh", values)
        queue_sms(session, phone, text, priority=SendPriority.urgent, ticket_id=ticket.id)
    record(ticket, EventKind.urgent_alert, SYSTEM, data={"hazard": hazard or "", "phones": phones})
    return phones
