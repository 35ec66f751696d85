"""Staff actions that touch dispatch, escalation, repeats and follow-ups, through the real forms:
offers are withdrawn and load counters stay right, and liaisons act only as the department."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import StaffRole
from app.communities.models import Department, UnitKind
from app.db import db
from app.surveys.models import FollowUp, FollowUpStatus
from app.tickets.models import Ticket, TicketStatus
from app.volunteers.models import OfferStatus, Volunteer
from tests.support.closure import sweep
from tests.support.staff import log_in, post_form, staff
from tests.support.texting import replies, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers, only_ticket, sent_to, texter

LIAISON = "+8613900000009"


@pytest.fixture
def street(client, ctx, clock):
    """A community with a resident, five appliance volunteers, and its staff member logged in."""
    home = f.community()
    f.resident(home)
    for n in range(1, 6):
        f.volunteer(n, home)
    staff("lx", StaffRole.community, community_code="longxi")
    log_in(client, "lx")
    return home


def texted(client, words: str = "洗衣机坏了，转几下就不动了") -> Ticket:
    text_line(client, RESIDENT, words)
    return only_ticket()


def act(client, code: str, action: str, **form: str) -> str:
    page = f"/dashboard/tickets/{code}"
    response = post_form(client, f"{page}/{action}", form, page)
    assert response.status_code == 303
    db.session.expire_all()
    return client.get(page).get_data(as_text=True)


def test_assigning_by_hand_withdraws_the_offers_and_counts_the_load(client, street):
    ticket = texted(client)
    asked = offers()
    assert [o.status for o in asked] == [OfferStatus.open] * 3
    chosen = db.session.get(Volunteer, 5)  # not among those asked
    page = act(client, ticket.code, "assign", volunteer_id="5")
    assert "工作人员手动派单" in page  # the by-hand offer and its reason are on the timeline
    assert ticket.status == TicketStatus.assigned and ticket.assignee_id == chosen.id
    assert {o.status for o in asked} == {OfferStatus.withdrawn}
    for offer in asked:
        assert sent_to(offer.volunteer.phone, "offer_withdrawn")
    [won] = sent_to(chosen.phone, "offer_won")
    assert "王奶奶" in won.body and chosen.active_tasks == 1

    # The volunteer holds it like any taker: DONE by SMS resolves it and frees the slot.
    assert ticket.code in replies(text_line(client, texter(5), "完成"))[0]
    db.session.expire_all()
    assert ticket.status == TicketStatus.resolved
    assert (chosen.active_tasks, chosen.completions) == (0, 1)


def test_assigning_someone_already_asked_uses_their_offer(client, street):
    ticket = texted(client)
    first, *others = offers()
    act(client, ticket.code, "assign", volunteer_id=str(first.volunteer_id))
    assert first.status == OfferStatus.accepted
    assert {o.status for o in others} == {OfferStatus.withdrawn}
    # Their late "yes" by SMS is answered with the ticket's details, not a second claim.
    text_line(client, texter(first.volunteer_id), "1")
    db.session.expire_all()
    assert first.volunteer.active_tasks == 1 and first.volunteer.accepts == 0


def test_cancelling_releases_the_holder_without_a_mark_against_them(client, street):
    ticket = texted(client)
    act(client, ticket.code, "assign", volunteer_id="5")
    act(client, ticket.code, "cancel", reason="居民自己修好了")
    holder = db.session.get(Volunteer, 5)
    assert ticket.status == TicketStatus.cancelled
    assert (holder.active_tasks, holder.drops) == (0, 0)


def test_escalating_hands_it_to_the_department_and_stands_the_volunteers_down(client, street):
    db.session.add(
        Department(code="civil", name="民政办", kind=UnitKind.department, liaison_phone=LIAISON)
    )
    db.session.commit()
    ticket = texted(client)
    assert "没有这个部门或单位" in act(client, ticket.code, "escalate", department="nowhere")
    assert ticket.status == TicketStatus.dispatching
    page = act(client, ticket.code, "escalate", department="civil", reason="涉及低保")
    assert ticket.status == TicketStatus.escalated and ticket.unit.code == "civil"
    assert {o.status for o in offers()} == {OfferStatus.withdrawn}
    assert sent_to(LIAISON, "department_escalated_link")
    assert "涉及低保" in page


def test_merging_by_code_and_splitting_again(client, street):
    parent = texted(client)
    other = f.resident(street, phone="13800138001", building="9栋")
    text_line(client, other.phone, "楼道灯不亮了")
    child = db.session.scalars(select(Ticket).where(Ticket.id != parent.id)).one()
    page = act(client, child.code, "merge", into=parent.code)
    assert child.status == TicketStatus.cancelled and child.parent_id == parent.id
    assert f"{child.code} 已并入 {parent.code}" in page and "并入同一问题的工单" in page
    assert {o.status for o in offers() if o.ticket_id == child.id} <= {OfferStatus.withdrawn}
    page = act(client, child.code, "split")
    assert child.status == TicketStatus.new and child.parent_id is None
    assert f"从 {parent.code} 拆出，作为新问题办理" in page and "merged into" not in page
    page = act(client, child.code, "merge", into="000000")  # no such ticket: refused
    assert "找不到工单“000000”" in page and "no such ticket" not in page
    assert child.status == TicketStatus.new


def test_dispatching_again_after_nobody_took_it(client, street, clock):
    for volunteer in db.session.scalars(select(Volunteer)):
        volunteer.active = False
    db.session.commit()
    ticket = texted(client)
    assert ticket.status == TicketStatus.unassigned and offers() == []
    for volunteer in db.session.scalars(select(Volunteer)):
        volunteer.active = True
    db.session.commit()
    page = act(client, ticket.code, "redispatch")
    assert ticket.status == TicketStatus.dispatching and len(offers()) == 3
    assert "重新派单" in page and "同一社区" in page  # the event and the match reasons
    act(client, ticket.code, "redispatch")  # already dispatching: refused
    assert len(offers()) == 3


def test_completing_a_follow_up_with_work_needed_reopens_the_ticket(client, street, clock):
    ticket = texted(client)
    first = offers()[0]
    text_line(client, texter(first.volunteer_id), "1")
    text_line(client, texter(first.volunteer_id), "完成")
    clock.advance(minutes=61)
    sweep()
    text_line(client, RESIDENT, "3 还是转不动 <b>")
    db.session.expire_all()
    [followup] = db.session.scalars(select(FollowUp)).all()
    page = client.get(f"/dashboard/tickets/{ticket.code}").get_data(as_text=True)
    assert "还是转不动 &lt;b&gt;" in page and "不满意" in page and "待回访" in page
    act(client, ticket.code, "followup", followup_id=str(followup.id), outcome="")
    assert followup.status == FollowUpStatus.open  # an outcome is required
    page = act(
        client,
        ticket.code,
        "followup",
        followup_id=str(followup.id),
        outcome="皮带松了",
        needs_work="1",
    )
    assert followup.status == FollowUpStatus.done and followup.completed_by == "lx"
    assert ticket.status == TicketStatus.reopened and "皮带松了" in page


def test_a_liaison_acts_only_as_the_department(client, street):
    db.session.add(
        Department(code="civil", name="民政办", kind=UnitKind.department, liaison_phone=LIAISON)
    )
    db.session.commit()
    ticket = texted(client)
    act(client, ticket.code, "escalate", department="civil")
    staff("civil1", StaffRole.liaison, department_code="civil")
    client.post("/logout", data={})
    log_in(client, "civil1")
    page = f"/dashboard/tickets/{ticket.code}"
    html = client.get(page).get_data(as_text=True)
    assert 'data-action="assign"' not in html and 'data-action="cancel"' not in html
    for action in ("assign", "cancel", "merge", "redispatch", "escalate", "split"):
        assert post_form(client, f"{page}/{action}", {}, page).status_code == 403
    act(client, ticket.code, "resolve", reason="已发放")
    assert ticket.status == TicketStatus.resolved
