"""Random sequences of texts, sweeps and staff actions never break the ticket invariants.

Residents text problems, cancels and survey answers through the real webhook; the liaison answers
by SMS; the clock jumps and the sweeps run; staff assign, resolve, escalate, close, merge, split
and complete follow-ups. A move the state machine forbids must raise and change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.db import EXTENSION_KEY, db
from app.surveys.models import FollowUp, FollowUpStatus, Survey, SurveyStatus
from app.surveys.operations import FollowUpClosed, complete_followup
from app.tickets import escalation, repeats, staff_actions
from app.tickets.lifecycle import IllegalTransition, Move, can, transition
from app.tickets.models import ActorKind, Ticket, TicketEvent, TicketStatus
from tests.conftest import empty_tables
from tests.support.closure import (
    LIAISON_PHONE,
    STAFF,
    resident,
    street,
    sweep,
    volunteer,
    volunteer_actor,
)
from tests.support.texting import text_line

PHONES = ["+8613800138000", "+8613800138001", "+8613800138002"]
PROBLEMS = ["洗衣机坏了", "楼道灯不亮", "马桶堵了", "想问低保怎么申请", "外墙渗水"]
ANSWERS = ["1", "2", "3", "不满意 没修好", "满意谢谢", "嗯嗯", "OK"]
WAITING = {
    TicketStatus.new,
    TicketStatus.dispatching,
    TicketStatus.unassigned,
    TicketStatus.reopened,
    TicketStatus.escalated,
}
index = st.integers(min_value=0, max_value=1000)


@pytest.mark.slow
def test_random_sequences_keep_the_invariants(app, ctx, client, clock):
    engine = app.extensions[EXTENSION_KEY]

    class Hotline(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            db.session.remove()
            empty_tables(engine)
            clock.set(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
            community, _ = street()
            for number, phone in enumerate(PHONES):
                resident(community, phone=phone, building="3栋" if number < 2 else "")
            self.helpers = [volunteer(f"+861370000000{n}", community) for n in range(2)]

        def ticket(self, i: int) -> Ticket | None:
            tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
            return tickets[i % len(tickets)] if tickets else None

        def attempt(self, ticket: Ticket, legal: bool, action) -> None:
            """Run `action`; if the move is illegal it must raise and leave the row as it was."""
            if legal:
                action()
                db.session.commit()
                return
            before = (ticket.id, ticket.status, _events(ticket.id))
            with pytest.raises((IllegalTransition, repeats.MergeRefused)):
                action()
            db.session.rollback()
            assert (ticket.id, ticket.status, _events(ticket.id)) == before

        @rule(who=st.sampled_from(PHONES), body=st.sampled_from(PROBLEMS + ANSWERS))
        def resident_texts(self, who: str, body: str) -> None:
            assert text_line(client, who, body).status_code == 200
            db.session.expire_all()

        @rule(who=st.sampled_from(PHONES), i=index)
        def resident_cancels(self, who: str, i: int) -> None:
            ticket = self.ticket(i)
            text_line(client, who, f"取消 {ticket.code}" if ticket else "取消")
            db.session.expire_all()

        @rule(i=index, returning=st.booleans())
        def liaison_answers(self, i: int, returning: bool) -> None:
            ticket = self.ticket(i)
            code = ticket.code if ticket else "000000"
            text_line(
                client, LIAISON_PHONE, f"退回 {code} 不归我们" if returning else f"已处理 {code}"
            )
            db.session.expire_all()

        @rule(hours=st.sampled_from([0.5, 1, 2, 6, 18, 30]))
        def time_passes(self, hours: float) -> None:
            clock.advance(hours=hours)
            sweep()

        @rule(i=index, h=st.integers(0, 1))
        def staff_assigns(self, i: int, h: int) -> None:
            if (ticket := self.ticket(i)) is None:
                return

            def assign() -> None:
                transition(ticket, Move.assign, STAFF)
                ticket.assignee = self.helpers[h]

            self.attempt(ticket, can(ticket, Move.assign), assign)

        @rule(i=index, move=st.sampled_from([Move.start, Move.revisit, Move.resolve]))
        def volunteer_reports(self, i: int, move: Move) -> None:
            if (ticket := self.ticket(i)) is None or ticket.assignee is None:
                return
            actor = volunteer_actor(ticket.assignee)
            legal = can(ticket, move)
            self.attempt(ticket, legal, lambda: transition(ticket, move, actor))

        @rule(i=index)
        def staff_escalates(self, i: int) -> None:
            if (ticket := self.ticket(i)) is None:
                return
            civil = db.session.scalars(select(escalation.Department)).first()
            legal = can(ticket, Move.escalate)
            self.attempt(
                ticket, legal, lambda: escalation.escalate(db.session, ticket, civil, STAFF, "x")
            )

        @rule(i=index, move=st.sampled_from([Move.close, Move.cancel]))
        def staff_closes(self, i: int, move: Move) -> None:
            if (ticket := self.ticket(i)) is None:
                return
            legal = can(ticket, move)
            act = staff_actions.close if move is Move.close else staff_actions.cancel
            self.attempt(ticket, legal, lambda: act(db.session, ticket, STAFF, "staff"))

        @rule(i=index, j=index)
        def staff_merges(self, i: int, j: int) -> None:
            child, parent = self.ticket(i), self.ticket(j)
            if child is None or parent is None:
                return
            legal = (
                child.id != parent.id
                and parent.status is not TicketStatus.cancelled
                and can(child, Move.cancel)
            )
            self.attempt(child, legal, lambda: repeats.merge(db.session, child, parent, STAFF))

        @rule(i=index)
        def staff_splits(self, i: int) -> None:
            if (ticket := self.ticket(i)) is None:
                return
            legal = ticket.parent_id is not None and ticket.status is TicketStatus.cancelled
            self.attempt(ticket, legal, lambda: repeats.split(db.session, ticket, STAFF))

        @rule(i=index, needs_work=st.booleans())
        def followup_is_done(self, i: int, needs_work: bool) -> None:
            followups = db.session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
            if not followups:
                return
            followup = followups[i % len(followups)]
            ticket = followup.ticket
            done = followup.status is FollowUpStatus.done
            legal = not done and (not needs_work or can(ticket, Move.reopen))
            try:
                self.attempt(
                    ticket,
                    legal,
                    lambda: complete_followup(db.session, followup, "visited", needs_work, STAFF),
                )
            except FollowUpClosed:
                assert done
                db.session.rollback()

        @invariant()
        def tickets_agree_with_their_timelines(self) -> None:
            db.session.expire_all()
            for ticket in db.session.scalars(select(Ticket)):
                events = ticket.events
                moves = [e for e in events if e.to_status is not None]
                assert ticket.status == (moves[-1].to_status if moves else TicketStatus.new)
                assert all(
                    e.actor_kind in ActorKind and (e.actor_id or e.actor_label) for e in events
                )
                visits = [
                    e
                    for e in events
                    if e.kind in {"resolve", "revisit"} and e.actor_kind == ActorKind.volunteer
                ]
                assert ticket.visits == len(visits)
                if ticket.status is TicketStatus.closed:
                    assert ticket.closed_at is not None and moves[-1].kind == "close"
                if ticket.status in WAITING:
                    assert ticket.assignee_id is None, ticket.status
                if ticket.status is TicketStatus.escalated:
                    assert ticket.unit_id is not None
                owed = db.session.scalar(
                    select(func.count()).where(
                        FollowUp.ticket_id == ticket.id, FollowUp.status == FollowUpStatus.open
                    )
                )
                if ticket.status is TicketStatus.return_visit:
                    assert owed >= 1  # it waits for a visit someone owes
                if ticket.status is TicketStatus.closed:
                    assert owed == 0  # closing ends the return visit too
                awaiting = db.session.scalar(
                    select(func.count()).where(
                        Survey.ticket_id == ticket.id, Survey.status == SurveyStatus.awaiting
                    )
                )
                assert awaiting <= 1

    run_state_machine_as_test(
        Hotline,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def _events(ticket_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    )
