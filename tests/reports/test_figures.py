"""Report figures come from the timeline, one test per definition: received (merged and
cancelled apart), handled (first resolution), on time (judged when done), satisfaction (each
ticket's last answer), return visits, average time to resolution; and the ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.db import db
from app.reports import charts
from app.reports.figures import (
    Figures,
    by_community_and_department,
    daily,
    figures_by,
    fold,
    merged,
    totals,
)
from app.reports.ranking import Unit, rank
from app.reports.weekly import weekly_report
from app.surveys.operations import ANSWERED, NO_ANSWER
from app.tickets import cancellation, repeats
from app.tickets.intake import resident_actor
from app.tickets.lifecycle import SYSTEM, Actor, Move, record, transition
from app.tickets.models import ActorKind
from tests.support.closure import STAFF
from tests.support.staff import community, department, resident, ticket

WEEK_START = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)  # Monday 23 Nov 00:00 in Chongqing


def finish(t, rating: str | None = None) -> None:
    transition(t, Move.assign, SYSTEM)
    transition(t, Move.resolve, SYSTEM)
    transition(t, Move.close, SYSTEM)
    if rating == "no_answer":
        record(t, NO_ANSWER, SYSTEM)
    elif rating:
        record(t, ANSWERED, Actor(ActorKind.resident), data={"rating": rating})


def test_received_counts_each_request_once_merged_and_cancelled_apart(ctx, clock):
    place = community()
    first = ticket(resident("+8613800138000", place), "楼道灯不亮")
    again = ticket(resident("+8613800138001", place), "楼道的灯坏了")
    repeats.merge(db.session, again, first, STAFF)
    withdrawn = ticket(resident("+8613800138002", place), "水管漏水")
    cancellation.cancel(db.session, withdrawn, resident_actor(withdrawn.resident), "修好了")
    db.session.commit()
    f = totals(db.session, WEEK_START, clock.now + timedelta(minutes=1))
    assert (f.received, f.merged, f.cancelled, f.handled) == (2, 1, 1, 0)


def test_handled_is_the_first_resolution_and_on_time_is_judged_when_it_was_done(ctx, clock):
    place = community()
    quick = ticket(resident("+8613800138000", place), "灯泡坏了")  # due in 24 hours
    slow = ticket(resident("+8613800138001", place), "水管漏水")
    clock.advance(hours=2)
    resolve(quick)
    clock.advance(hours=30)  # the survey ends long after the deadline: still on time
    transition(quick, Move.close, SYSTEM)
    transition(quick, Move.reopen, STAFF)  # reopened and resolved again: handled once
    transition(quick, Move.assign, SYSTEM)
    transition(quick, Move.resolve, SYSTEM)
    resolve(slow)  # 32 hours: late
    db.session.commit()
    f = totals(db.session, WEEK_START, clock.now + timedelta(minutes=1))
    assert (f.handled, f.on_time, f.late) == (2, 1, 1)
    assert f.average_resolution_hours == (2 + 32) / 2


def test_satisfaction_counts_each_tickets_last_answer_and_return_visits(ctx, clock):
    place = community()
    rated = [ticket(resident(f"+861380013800{n}", place), "灯泡坏了") for n in range(3)]
    for t, rating in zip(rated, ("satisfied", "basically_satisfied", "unsatisfied"), strict=True):
        resolve(t)
        answer(t, rating)
    record(rated[2], "followup_opened", SYSTEM)
    answer(rated[2], "satisfied")  # the return visit's new rating replaces the first
    record(rated[2], "followup_completed", STAFF)
    silent = ticket(resident("+8613800138009", place), "电视没信号")
    resolve(silent)
    record(silent, NO_ANSWER, SYSTEM)
    db.session.commit()
    f = totals(db.session, WEEK_START, clock.now + timedelta(minutes=1))
    assert f.ratings == {
        "satisfied": 2,
        "basically_satisfied": 1,
        "unsatisfied": 0,
        "no_answer": 1,
        "invalid": 0,
    }
    assert (f.rated, f.satisfaction_rate, f.followups, f.followups_done) == (3, 1.0, 1, 1)
    later = clock.now + timedelta(minutes=1)
    assert figures_by(db.session, WEEK_START, later, "community")[place.id].received == 4
    assert totals(db.session, later, later + timedelta(days=1)).received == 0


def resolve(t) -> None:
    transition(t, Move.assign, SYSTEM)
    transition(t, Move.resolve, SYSTEM)


def answer(t, rating: str) -> None:
    record(t, ANSWERED, Actor(ActorKind.resident), data={"rating": rating})


def test_one_pass_per_community_and_department_adds_up_like_separate_passes(ctx, clock):
    longxi, jinshan, civil = community(), community("jinshan", "金山社区"), department()
    ticket(resident("+8613800138000", longxi))
    escalated = ticket(resident("+8613800138001", longxi), "低保怎么申请")
    escalated.unit_id = civil.id
    finish(ticket(resident("+8613800138002", jinshan), "灯泡坏了"), "satisfied")
    db.session.commit()
    end = clock.now + timedelta(minutes=1)
    units = by_community_and_department(db.session, WEEK_START, end)
    for side, grouping in ((0, "community"), (1, "department")):
        separate = figures_by(db.session, WEEK_START, end, grouping)
        assert {k: f.as_dict() for k, f in fold(units, side).items()} == {
            k: f.as_dict() for k, f in separate.items()
        }
    assert merged(units.values()).as_dict() == totals(db.session, WEEK_START, end).as_dict()
    assert fold(units, 1)[civil.id].received == 1


def test_daily_counts_fold_hours_into_local_days(ctx, clock):
    place = community()
    ticket(resident("+8613800138000", place))  # Wed 25 Nov 10:00 local
    clock.advance(hours=14, minutes=30)  # Thu 26 Nov 00:30 local, still the 25th in UTC
    ticket(resident("+8613800138001", place), "灯泡坏了")
    days = daily(db.session, WEEK_START, WEEK_START + timedelta(days=7), "Asia/Shanghai")
    assert len(days) == 7
    assert [(d.day.day, d.received) for d in days if d.received] == [(25, 1), (26, 1)]


def test_a_tiny_community_does_not_top_the_ranking():
    def figures(satisfied: int, unsatisfied: int, handled: int) -> Figures:
        f = Figures(handled=handled)
        f.ratings.update(satisfied=satisfied, unsatisfied=unsatisfied)
        return f

    big = Unit(1, "big", "大社区", "Big")
    tiny = Unit(2, "tiny", "小社区", "Tiny")
    mid = Unit(3, "mid", "中社区", "Mid")
    ranked = rank(
        [(tiny, figures(3, 0, 3)), (big, figures(97, 3, 300)), (mid, figures(18, 2, 20))], 10
    )
    assert [(r.position, r.unit.code) for r in ranked] == [(1, "big"), (2, "mid"), (None, "tiny")]


def test_charts_scale_to_round_numbers_and_leave_gaps_for_missing_rates():
    chart = charts.bar_chart([("11-23", 3), ("11-24", 7), ("11-25", 0)])
    assert chart.top_value == "10"
    assert chart.bars[1].height > chart.bars[0].height > 0 == chart.bars[2].height
    rates = charts.bar_chart([("a", 0.5), ("b", None)], percent=True)
    assert rates.top_value == "100%" and rates.bars[1].value == "—"


def test_a_ticket_rated_again_a_week_later_is_counted_once_across_stored_weeks(ctx, clock):
    """Unsatisfied in one week, satisfied on the return visit the next: the first week's stored
    report keeps its answer, the second does not count the ticket again, and the month shows
    the latest rating once."""
    place = community()
    rerated = ticket(resident("+8613800138000", place), "墙面漏水")
    resolve(rerated)
    answer(rerated, "unsatisfied")
    db.session.commit()
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday 09:00: last week's report
    first_week = weekly_report(db.session)
    record(rerated, "followup_opened", SYSTEM)
    answer(rerated, "satisfied")
    record(rerated, "followup_completed", STAFF)
    db.session.commit()
    clock.set(datetime(2026, 12, 7, 1, 0, tzinfo=UTC))
    second_week = weekly_report(db.session)
    stored = [Figures.from_dict(r.data["overall"]) for r in (first_week, second_week)]
    assert [(f.ratings["unsatisfied"], f.ratings["satisfied"]) for f in stored] == [(1, 0), (0, 0)]
    assert sum(f.rated for f in stored) == 1
    assert stored[1].followups_done == 1
    month = totals(db.session, WEEK_START, clock.now)
    assert (month.rated, month.ratings["satisfied"]) == (1, 1)


def test_on_time_is_kept_on_the_resolve_event_when_the_return_visit_moves_the_deadline(ctx, clock):
    """Resolved after its deadline, then rated unsatisfied: the return visit gives the ticket a
    new, later deadline, and the ticket still counts as late (judged when the work was done)."""
    place = community()
    late = ticket(resident("+8613800138000", place), "墙面漏水")
    clock.advance(hours=30)
    resolve(late)
    event = late.events[-1]
    assert (event.kind, event.data["on_time"]) == ("resolve", False)
    late.due_at = clock.now + timedelta(hours=24)  # what opening a return visit does
    db.session.commit()
    f = totals(db.session, WEEK_START, clock.now + timedelta(minutes=1))
    assert (f.handled, f.on_time, f.late) == (1, 0, 1)
