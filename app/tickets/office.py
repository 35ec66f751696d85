"""Who on the staff side answers for a ticket: its community's office, else the street's.

A ticket without a community (a stranger who has not said where) or a community without a staff
phone must still reach a person: no-taker, reminder, breach and urgent alerts then go to the
580 office's phone, HOTLINE_OFFICE_PHONE.
"""

from __future__ import annotations

from app.config import current_settings
from app.tickets.models import Ticket


def staff_phone(ticket: Ticket) -> str | None:
    """The community's staff phone, else the office's; None when neither is configured."""
    if ticket.community is not None and ticket.community.staff_phone:
        return ticket.community.staff_phone
    return current_settings().HOTLINE_OFFICE_PHONE or None
