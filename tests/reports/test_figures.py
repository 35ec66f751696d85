"""Report figures come from the timeline: received, closed on time or late, ratings, ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.db import db
from app.reports import charts
from app.reports.figures import by_community_and_department, daily, figures_by, fold, merged, totals
from app.reports.ranking import Unit, rank
from app.surveys.operations import ANSWERED, NO_ANSWER
from app.tickets.lifecycle import SYSTEM, Actor, Move, record, transition
from app.tickets.models import ActorKind
from app.tickets.supervision import BREACHED
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


def test_received_closed_on_time_late_ratings_and_followups(ctx, clock):
    place = community()
    on_time = ticket(resident("+8613800138000", place), "灯泡坏了")
    late = ticket(resident("+8613800138001", place), "水管漏水")
    breached = ticket(resident("+8613800138002", place), "电视没信号")
    finish(on_time, "satisfied")
    record(breached, BREACHED, SYSTEM)
    finish(breached, "unsatisfied")
    record(breached, "followup_opened", SYSTEM)
    clock.advance(hours=30)
    finish(late, "no_answer")
    db.session.commit()
    end = clock.now + timedelta(minutes=1)
    f = totals(db.session, WEEK_START, end)
    assert (f.received, f.closed, f.on_time, f.late, f.followups) == (3, 3, 1, 2, 1)
    assert f.ratings["satisfied"] == 1 and f.ratings["unsatisfied"] == 1
    assert f.ratings["no_answer"] == 1 and f.rated == 2 and f.satisfaction_rate == 0.5
    assert figures_by(db.session, WEEK_START, end, "community")[place.id].received == 3
    assert totals(db.session, end, end + timedelta(days=1)).received == 0


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
    from app.reports.figures import Figures

    def figures(satisfied: int, unsatisfied: int, closed: int) -> Figures:
        f = Figures(closed=closed)
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
