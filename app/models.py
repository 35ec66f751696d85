"""Imports every model so the metadata is complete for Alembic and for relationships."""

from app.categories.models import Category
from app.communities.models import Community, Department
from app.messaging.models import Message, MessageStatusEvent, OptOut
from app.residents.models import Resident
from app.scheduling.models import Lease
from app.tickets.models import Ticket, TicketEvent
from app.voice.models import Call, CallRecording, DutyShift
from app.volunteers.models import Offer, Volunteer, VolunteerSkill, VolunteerWindow

__all__ = [
    "Call",
    "CallRecording",
    "Category",
    "Community",
    "Department",
    "DutyShift",
    "Lease",
    "Message",
    "MessageStatusEvent",
    "Offer",
    "OptOut",
    "Resident",
    "Ticket",
    "TicketEvent",
    "Volunteer",
    "VolunteerSkill",
    "VolunteerWindow",
]
