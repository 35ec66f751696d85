"""Imports every model so the metadata is complete for Alembic and for relationships."""

from app.auth.models import LoginThrottle, StaffUser
from app.categories.models import Category
from app.communities.models import Community, Department
from app.dashboard.models import OPEN_BY_DEADLINE, CallBack
from app.messaging.models import Message, MessageStatusEvent, OptOut
from app.reports.models import SupervisionReport
from app.residents.models import Resident
from app.scheduling.models import BREACHES_DUE, REMINDERS_DUE, Job, Lease
from app.surveys.models import FollowUp, Survey
from app.tickets.models import LiaisonLink, Ticket, TicketEvent
from app.voice.models import Call, CallRecording, DutyShift
from app.volunteers.models import Offer, Volunteer, VolunteerSkill, VolunteerWindow

__all__ = [
    "BREACHES_DUE",
    "OPEN_BY_DEADLINE",
    "REMINDERS_DUE",
    "Call",
    "CallBack",
    "CallRecording",
    "Category",
    "Community",
    "Department",
    "DutyShift",
    "FollowUp",
    "Job",
    "Lease",
    "LiaisonLink",
    "LoginThrottle",
    "Message",
    "MessageStatusEvent",
    "Offer",
    "OptOut",
    "Resident",
    "StaffUser",
    "SupervisionReport",
    "Survey",
    "Ticket",
    "TicketEvent",
    "Volunteer",
    "VolunteerSkill",
    "VolunteerWindow",
]
