"""Who is asked first, and who is never asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.clock import utcnow
from app.db import db
from app.messaging.optouts import opt_out
from app.tickets.models import Channel, Priority, Ticket
from app.volunteers import dispatch, matching
from app.volunteers.progress import rate
from tests.volunteers import factories as f


@pytest.fixture
def place(ctx, clock):
    home = f.community("longxi")
    next_door = f.community("jinshan")
    far = f.community("shuanglong")
    return home, next_door, far


def ticket_in(home, building="3栋", priority=Priority.normal, category="appliance") -> Ticket:
    ticket = Ticket(
        code="100001",
        channel=Channel.sms,
        category_code=category,
        community_id=home.id,
        building=building,
        priority=priority,
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket


def ranked(ticket: Ticket, limit: int = 10) -> list[int]:
    return [c.volunteer_id for c in matching.candidates(db.session, ticket, limit)]


def test_nearer_comes_first_building_community_neighbour_anyone(place, app, monkeypatch):
    home, next_door, far = place
    monkeypatch.setattr(app.config["SETTINGS"], "HOTLINE_COMMUNITY_NEIGHBOURS", "jinshan: longxi")
    f.volunteer(1, far)
    f.volunteer(2, next_door)
    f.volunteer(3, home)
    f.volunteer(4, home, building="3栋")
    f.volunteer(5, None)
    found = matching.candidates(db.session, ticket_in(home), 10)
    assert [c.volunteer_id for c in found][:3] == [4, 3, 2]
    assert [c.reasons["proximity"] for c in found[:3]] == ["building", "community", "neighbour"]
    assert {c.volunteer_id for c in found[3:]} == {1, 5}
    assert set(found[0].reasons) == {"proximity", "reliability", "free_capacity", "fairness"}


def test_within_a_tier_reliability_load_and_fairness_decide(place, clock):
    home = place[0]
    f.volunteer(1, home, accepts=1, declines=9, no_replies=5)  # rarely says yes
    f.volunteer(2, home, accepts=9, completions=9)
    f.volunteer(3, home, accepts=9, completions=9, active_tasks=1)  # busy
    asked = utcnow() - timedelta(hours=12)
    f.volunteer(4, home, accepts=9, completions=9, last_offered_at=asked)
    found = matching.candidates(db.session, ticket_in(home), 10)
    assert [c.volunteer_id for c in found] == [2, 3, 4, 1]
    # 100 * 2 (same community) + 50 * mean(10/11, 10/11, 1/2) + 25 * free + 25 * fairness
    assert [c.score for c in found] == [288.64, 276.14, 276.14, 268.63]
    assert found[2].reasons["fairness"] == 0.5 and found[1].reasons["free_capacity"] == 0.5


def test_ratings_count_towards_reliability(place):
    home = place[0]
    happy, unhappy = f.volunteer(1, home), f.volunteer(2, home)
    for _ in range(3):
        rate(happy, "satisfied")
        rate(unhappy, "unsatisfied")
    db.session.commit()
    assert ranked(ticket_in(home)) == [1, 2]


def test_who_is_never_asked(place, clock):
    home = place[0]
    f.volunteer(1, home)  # the only one who qualifies
    f.volunteer(2, home, skills=("plumbing",))
    f.volunteer(3, home, paused_at=utcnow())
    f.volunteer(4, home, active=False)
    f.volunteer(5, home, active_tasks=2, max_active=2)
    f.volunteer(6, home, availability="Sat,Sun 09:00-18:00")  # it is Wednesday
    f.volunteer(7, home, skills=("electrical",), phone_kind="landline")  # a landline is asked,
    f.volunteer(8, home, offers_day=clock.now.date(), offers_on_day=10)
    f.volunteer(9, home)
    opt_out(db.session, f.phone_of(9), "keyword")
    db.session.commit()
    assert ranked(ticket_in(home)) == [1]  # ...by call, when the skill fits


def test_a_volunteer_on_a_landline_is_a_candidate_like_any_other(place, clock):
    home = place[0]
    f.volunteer(1, home, phone_kind="landline")
    db.session.commit()
    assert ranked(ticket_in(home)) == [1]


def test_availability_is_read_in_the_hotline_timezone_and_urgent_ignores_it(place, clock):
    home = place[0]
    f.volunteer(1, home, availability="Wed 09:00-11:00")
    f.volunteer(2, home, availability="Wed 02:00-03:00")  # 02:00 UTC is 10:00 in Chongqing
    assert ranked(ticket_in(home)) == [1]
    db.session.delete(db.session.get(Ticket, 1) or ticket_in(home))
    db.session.commit()
    assert sorted(ranked(ticket_in(home, priority=Priority.urgent))) == [1, 2]


def test_windows_past_sunday_midnight_wrap(place, clock):
    home = place[0]
    f.volunteer(1, home, availability="Sun 22:00-02:00")
    clock.set(clock.now.replace(day=29, hour=17, minute=30))  # Monday 01:30 in Chongqing
    assert ranked(ticket_in(home)) == [1]


def test_parse_neighbours_is_symmetric():
    assert matching.parse_neighbours("a: b, c; d:a") == {
        "a": {"b", "c", "d"},
        "b": {"a"},
        "c": {"a"},
        "d": {"a"},
    }


def test_the_daily_offer_count_starts_again_on_a_new_day(place, clock):
    home = place[0]
    yesterday = clock.now.date() - timedelta(days=1)
    helper = f.volunteer(1, home, offers_day=yesterday, offers_on_day=10)
    db.session.commit()
    dispatch.start(db.session, ticket_in(home))
    db.session.commit()
    db.session.refresh(helper)
    assert (helper.offers_day, helper.offers_on_day) == (clock.now.date(), 1)
