"""How long a ticket has left, as staff say it: "剩3小时", "超时40分钟", "2 days left"."""

from __future__ import annotations

import math
from datetime import datetime

from app.i18n import text as translate
from app.tickets.models import OPEN_STATUSES, Ticket

HOUR = 3600
DAY = 24 * HOUR


def countdown(ticket: Ticket, now: datetime, language: str) -> str:
    """Time left to the deadline (or past it) in whole minutes, hours or days; "" when the
    ticket is not open or has no deadline."""
    if ticket.due_at is None or ticket.status not in OPEN_STATUSES:
        return ""
    seconds = (ticket.due_at - now).total_seconds()
    span = abs(seconds)
    if span < HOUR:
        amount, unit = max(1, math.ceil(span / 60)), "minutes"
    elif span < 2 * DAY:
        amount, unit = int(span // HOUR), "hours"
    else:
        amount, unit = int(span // DAY), "days"
    side = "late" if seconds < 0 else "left"
    return translate(language, f"countdown_{side}_{unit}", n=amount)
