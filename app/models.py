"""Imports every model so the metadata is complete for Alembic and for relationships."""

from app.categories.models import Category
from app.communities.models import Community, Department
from app.messaging.models import Message, MessageStatusEvent, OptOut
from app.residents.models import Resident
from app.scheduling.models import Lease
from app.surveys.models import FollowUp, Survey
from app.tickets.models import LiaisonLink, Ticket, TicketEvent
from app.volunteers.models import Volunteer, VolunteerSkill

__all__ = [
    "Category",
    "Community",
    "Department",
    "FollowUp",
    "Lease",
    "LiaisonLink",
    "Message",
    "MessageStatusEvent",
    "OptOut",
    "Resident",
    "Survey",
    "Ticket",
    "TicketEvent",
    "Volunteer",
    "VolunteerSkill",
]
