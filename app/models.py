"""Imports every model so the metadata is complete for Alembic and for relationships."""

from app.auth.models import LoginThrottle, StaffUser
from app.categories.models import Category
from app.communities.models import Community, Department
from app.dashboard.models import OPEN_BY_DEADLINE
from app.messaging.models import Message, MessageStatusEvent, OptOut
from app.reports.models import SupervisionReport
from app.residents.models import Resident
from app.scheduling.models import Lease
from app.tickets.models import Ticket, TicketEvent
from app.volunteers.models import Volunteer, VolunteerSkill

__all__ = [
    "OPEN_BY_DEADLINE",
    "Category",
    "Community",
    "Department",
    "Lease",
    "LoginThrottle",
    "Message",
    "MessageStatusEvent",
    "OptOut",
    "Resident",
    "StaffUser",
    "SupervisionReport",
    "Ticket",
    "TicketEvent",
    "Volunteer",
    "VolunteerSkill",
]
