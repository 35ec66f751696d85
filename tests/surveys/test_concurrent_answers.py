"""Twelve taps on one survey link at the same moment (a double-tapping resident, a flaky mobile
network resending): one answer, one event, one return visit, one change to the ratings."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from app.db import db
from app.surveys.models import FollowUp
from app.tickets.models import EventKind, TicketEvent
from app.volunteers.models import Volunteer
from tests.support.closure import MOBILE, surveyed, texts_to
from tests.support.crowd import at_once, csrf_form
from tests.support.texting import text_line

TAPS = 12


def count_events(kind: EventKind) -> int:
    return db.session.scalar(select(func.count()).where(TicketEvent.kind == kind))


def test_one_answer_from_many_concurrent_posts(app, client, ctx, clock):
    helper_id = surveyed(client, clock)
    body = texts_to(MOBILE, "survey_link")[0].body
    path = re.search(r"https://hotline\.example\.org(/s/[\w-]+)", body)[1]
    db.session.remove()
    forms: dict[int, dict[str, str]] = {}

    def open_page(c):
        forms[id(c)] = csrf_form(c, path, rating="unsatisfied", comment="还是不转")

    statuses = at_once(app, TAPS, lambda c: c.post(path, data=forms[id(c)]).status_code, open_page)

    rated = db.session.get(Volunteer, helper_id)
    effects = (
        statuses.count(200),
        count_events(EventKind.survey_answered),
        count_events(EventKind.followup_opened),
        db.session.scalar(select(func.count(FollowUp.id))),
        rated.ratings,
    )
    assert effects == (1, 1, 1, 1, 1)
    assert sorted(statuses) == [200] + [410] * (TAPS - 1)


def test_one_answer_from_many_concurrent_texts(app, client, ctx, clock):
    """The resident's phone resends "3" a dozen times (new message ids each time)."""
    helper_id = surveyed(client, clock)

    def answer(c):
        return text_line(c, MOBILE, "3 还是不转", sid="SM" + uuid.uuid4().hex).status_code

    statuses = at_once(app, TAPS, answer)

    rated = db.session.get(Volunteer, helper_id)
    effects = (
        count_events(EventKind.survey_answered),
        count_events(EventKind.followup_opened),
        db.session.scalar(select(func.count(FollowUp.id))),
        rated.ratings,
    )
    assert effects == (1, 1, 1, 1)
    assert statuses == [200] * TAPS
