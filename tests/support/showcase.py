"""A street's busy day, made through the app's own paths, for tests that look at every page.

The demo street is imported; residents text and call the line; volunteers are asked, decline
and accept; a survey is answered "unsatisfied" and a return visit is owed; a repeat report is
merged; a landline is called for its survey; an opted-out number is not texted; and one ticket
carries an event of every kind the timeline can show, each with the data the app writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import StaffRole
from app.db import db
from app.demo import seed
from app.messaging.optouts import opt_out
from app.messaging.outbox import Text, queue_sms
from app.surveys import operations as surveys
from app.surveys.models import Rating, SurveyChannel
from app.tickets.lifecycle import SYSTEM, record
from app.tickets.models import EventKind, Ticket
from app.tickets.repeats import merge
from app.tickets.resolution import resolve
from app.volunteers.models import Volunteer
from app.volunteers.staff_dispatch import assign_volunteer
from tests.support.call_walker import CallWalker
from tests.support.staff import staff
from tests.support.texting import text_line

MOBILE = "+8613800138000"  # 李大爷, Longxi
OTHER_MOBILE = "+8613800138001"  # 陈阿姨, Jinshan
LANDLINE = "+862361520695"  # 王奶奶, a landline
STRANGER = "+8613700137000"  # not in the directory; opts out

# Data of the events made below as the app writes them (see the record(...) calls in app/).
EVENT_DATA: dict[EventKind, dict[str, object]] = {
    EventKind.urgent_alert: {"hazard": "gas", "phones": ["+8613900139000"]},
    EventKind.survey_sent: {"channel": "sms"},
    EventKind.survey_answered: {"rating": "unsatisfied", "channel": "voice", "comment": ""},
    EventKind.survey_comment: {"comment": "墙还在渗水"},
    EventKind.survey_call_retry: {"call": 2},
    EventKind.survey_not_sent: {"reason": "opted out"},
    EventKind.followup_reminder_sent: {"texted": 2},
    EventKind.deadline_breached: {"due_at": "2026-11-25T10:00:00"},
    EventKind.recategorised: {"from": "other", "to": "plumbing", "text": "水管漏了"},
    EventKind.dispatch: {"round": 2},
    EventKind.offers_sent: {"round": 1, "wave": 1, "offers": 2},
    EventKind.thanks: {"text": "谢谢师傅"},
    EventKind.entered: {"via": "open311"},
    EventKind.resident_texted: {"text": "师傅下午到"},
}


@dataclass(frozen=True)
class Showcase:
    texted: Ticket  # by SMS, dispatched, with offers
    called: Ticket  # by voice from a landline, with a transcript; its survey call is placed
    every_event: Ticket  # one event of every kind
    merged: Ticket  # a repeat merged into `texted`


def busy_day(client: FlaskClient) -> Showcase:
    """Make the day; returns the tickets worth opening. Leaves an admin "admin" to log in."""
    list(seed(db.session))
    db.session.commit()
    staff("office", StaffRole.office)
    text_line(client, MOBILE, "洗衣机不转了，在5栋1单元203")
    texted = _latest()
    text_line(client, "+8613900001003", "2")  # a volunteer declines
    text_line(client, OTHER_MOBILE, "家里洗衣机坏了")
    repeat = _latest()

    walker = CallWalker(client, LANDLINE).dial_in()
    walker.silence()
    walker.say("楼道的灯不亮了")
    walker.record()  # the problem; the address is known
    called = _latest()
    CallWalker(client, OTHER_MOBILE).dial_in().hang_up()  # a missed call

    merge(db.session, repeat, texted, SYSTEM)
    every = _latest()
    for kind in EventKind:
        record(every, kind, SYSTEM, data=EVENT_DATA.get(kind, {}))
    for done, phone in ((called, "+8613900001002"), (texted, "+8613900001001")):
        volunteer = db.session.scalars(select(Volunteer).where(Volunteer.phone == phone)).one()
        if done.assignee_id is None:
            assign_volunteer(db.session, done, SYSTEM, volunteer)
        resolve(db.session, done, SYSTEM, "")
    surveys.send_survey(db.session, called)  # a landline: the line will call to ask
    survey = surveys.send_survey(db.session, texted)
    surveys.record_answer(db.session, survey, Rating.unsatisfied, "", SurveyChannel.sms)

    opt_out(db.session, STRANGER, "keyword")
    queue_sms(db.session, STRANGER, Text("status_none", "zh", {}))
    queue_sms(db.session, LANDLINE, Text("status_none", "zh", {}), landline=True)
    db.session.commit()
    return Showcase(texted=texted, called=called, every_event=every, merged=repeat)


def _latest() -> Ticket:
    db.session.expire_all()
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
