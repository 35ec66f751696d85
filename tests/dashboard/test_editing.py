"""Staff edit a resident (name, community, building, address, language, landline) and a ticket
(category, community, address, problem, urgent): every change is an event on the timeline; a
place given to a stranger's held ticket sends it on; scope and CSRF hold."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import db
from app.residents.models import Resident
from app.tickets.models import ActorKind, Priority, Ticket, TicketStatus
from tests.support.office import DUTY, MOBILE, as_user, office_street
from tests.support.staff import post_form
from tests.support.texting import run_jobs, text_line
from tests.volunteers.factories import offers, sent_to

STRANGER = "+8613700137000"


@pytest.fixture
def street(ctx, clock):
    return office_street()


def ticket_of(app, phone: str, text: str) -> Ticket:
    text_line(app.test_client(), phone, text)
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


def form_of(row: object, changes: dict[str, str], **names: str) -> dict[str, str]:
    """The edit form as the page fills it from `row` (form field = attribute), then `changes`."""
    return {field: str(getattr(row, attr) or "") for field, attr in names.items()} | changes


def resident_form(person: Resident, **changes: str) -> dict[str, str]:
    landline = {"landline": "1"} if person.phone_kind == "landline" else {}
    names = {"community": "community_id", "building": "building", "address": "address"}
    return form_of(person, landline | changes, name="name", language="language", **names)


def test_a_residents_edit_is_on_the_timeline_of_their_open_ticket(app, street):
    _, other, wang = street
    ticket = ticket_of(app, MOBILE, "洗衣机坏了")
    office = as_user(app, "office")
    page = f"/dashboard/residents/{wang.id}/edit"
    assert 'name="csrf_token"' in office.get(page).get_data(as_text=True)
    form = resident_form(
        wang,
        name="王秀英",
        community=str(other.id),
        address="金山路8号",
        language="en",
        landline="1",
    )
    response = post_form(office, page, form, page)
    assert response.status_code == 303
    db.session.expire_all()
    assert (wang.name, wang.community_id, wang.address) == ("王秀英", other.id, "金山路8号")
    assert (wang.language, wang.phone_kind) == ("en", "landline")
    [event] = [e for e in ticket.events if e.kind == "resident_edited"]
    assert event.actor_kind == ActorKind.staff and event.actor_label == "office"
    assert event.data["changes"]["name"] == ["王奶奶", "王秀英"]
    assert event.data["changes"]["phone_kind"] == ["mobile", "landline"]
    assert event.data["changes"]["community"] == ["龙溪社区", "金山社区"]
    timeline = office.get(f"/dashboard/tickets/{ticket.code}").get_data(as_text=True)
    assert "修改居民信息" in timeline and "王秀英" in timeline and "<del>王奶奶</del>" in timeline


def test_the_resident_edit_is_in_scope_and_needs_csrf(app, street):
    home, other, wang = street
    page = f"/dashboard/residents/{wang.id}/edit"
    lx = as_user(app, "lx")
    refused = post_form(lx, page, resident_form(wang, community=str(other.id)), page)
    assert refused.status_code == 400 and "只能为本社区" in refused.get_data(as_text=True)
    assert lx.post(page, data=resident_form(wang, name="X")).status_code == 400  # no token
    assert post_form(lx, page, resident_form(wang, language="fr"), page).status_code == 400
    db.session.expire_all()
    assert (wang.name, wang.community_id, wang.language) == ("王奶奶", home.id, "zh")
    assert as_user(app, "js").get(page).status_code == 404  # not theirs
    assert as_user(app, "civil").get(page).status_code == 403


def test_a_place_for_a_strangers_held_ticket_sends_it_on(app, street):
    home, _, _ = street
    ticket = ticket_of(app, STRANGER, "楼道灯不亮了")  # asked where; nobody offered it yet
    assert offers() == []
    stranger = ticket.resident
    office = as_user(app, "office")
    page = f"/dashboard/residents/{stranger.id}/edit"
    form = resident_form(stranger, community=str(home.id), building="8栋", address="龙溪8栋")
    assert post_form(office, page, form, page).status_code == 303
    run_jobs(app)
    assert ticket.community_id == home.id and ticket.building == "8栋"
    assert len(offers()) == 3


def ticket_form(ticket: Ticket, **changes: str) -> dict[str, str]:
    urgent = {"urgent": "1"} if ticket.priority is Priority.urgent else {}
    names = {"community": "community_id", "building": "building", "address": "address"}
    return form_of(
        ticket, urgent | changes, category="category_code", problem="description", **names
    )


def test_a_tickets_edit_is_on_its_timeline_and_urgent_means_now(app, street):
    ticket = ticket_of(app, MOBILE, "阳台那边墙上一直渗水")
    lx = as_user(app, "lx")
    page = f"/dashboard/tickets/{ticket.code}/edit"
    assert 'data-action="edit-ticket"' in lx.get(f"/dashboard/tickets/{ticket.code}").get_data(
        as_text=True
    )
    form = ticket_form(
        ticket,
        category="plumbing",
        address="3栋2单元401阳台",
        problem="阳台水管接头漏水，墙上一直渗水",
        urgent="1",
    )
    assert post_form(lx, page, form, page).status_code == 303
    db.session.expire_all()
    assert ticket.category_code == "plumbing" and ticket.priority == Priority.urgent
    assert ticket.address == "3栋2单元401阳台" and ticket.description.startswith("阳台水管")
    kinds = [e.kind for e in ticket.events]
    assert "recategorised" in kinds and "ticket_edited" in kinds and "urgent_alert" in kinds
    [edited] = [e for e in ticket.events if e.kind == "ticket_edited"]
    assert set(edited.data["changes"]) == {"address", "description", "priority"}
    assert edited.data["changes"]["priority"] == ["normal", "urgent"]
    assert len(sent_to(DUTY, "staff_urgent")) == 1
    # The corrections page learns from it too.
    assert ticket.code in lx.get("/dashboard/corrections").get_data(as_text=True)
    timeline = lx.get(f"/dashboard/tickets/{ticket.code}").get_data(as_text=True)
    assert "修改工单" in timeline and "紧急程度" in timeline
    assert "<del>普通</del> → <ins>紧急</ins>" in timeline


def test_a_ticket_given_a_community_is_dispatched(app, street):
    home, _, _ = street
    ticket = ticket_of(app, STRANGER, "水龙头一直滴水")
    office = as_user(app, "office")
    page = f"/dashboard/tickets/{ticket.code}/edit"
    form = ticket_form(ticket, community=str(home.id), building="2栋", address="龙溪2栋")
    assert post_form(office, page, form, page).status_code == 303
    run_jobs(app)
    assert ticket.community_id == home.id and len(offers()) == 3
    [edited] = [e for e in ticket.events if e.kind == "ticket_edited"]
    assert edited.data["changes"]["community"] == [None, "龙溪社区"]


def test_ticket_edit_refusals(app, street):
    home, other, _ = street
    ticket = ticket_of(app, MOBILE, "灯泡坏了")
    page = f"/dashboard/tickets/{ticket.code}/edit"
    lx = as_user(app, "lx")
    moved = post_form(lx, page, ticket_form(ticket, community=str(other.id)), page)
    assert moved.status_code == 400
    assert post_form(lx, page, ticket_form(ticket, category="nonsense"), page).status_code == 400
    assert post_form(lx, page, ticket_form(ticket, problem=" "), page).status_code == 400
    assert lx.post(page, data=ticket_form(ticket, address="X")).status_code == 400  # CSRF
    assert as_user(app, "js").get(page).status_code == 404
    assert as_user(app, "civil").get(page).status_code == 403
    ticket.status = TicketStatus.closed
    db.session.commit()
    closed = post_form(lx, page, ticket_form(ticket, address="Y"), page)
    assert closed.status_code == 400
    db.session.expire_all()
    assert (ticket.community_id, ticket.category_code, ticket.address) == (
        home.id,
        "electrical",
        "龙溪街道3栋2单元401",
    )
    assert not [e for e in ticket.events if e.kind == "ticket_edited"]


def test_a_new_address_reaches_the_volunteer_holding_the_ticket(app, street):
    ticket = ticket_of(app, MOBILE, "洗衣机坏了")
    run_jobs(app)
    helper = offers()[0].volunteer
    text_line(app.test_client(), helper.phone, "1")
    db.session.expire_all()
    assert ticket.assignee_id == helper.id
    office = as_user(app, "office")
    page = f"/dashboard/tickets/{ticket.code}/edit"
    problem_only = ticket_form(ticket, problem="洗衣机坏了，不脱水")
    assert post_form(office, page, problem_only, page).status_code == 303
    assert sent_to(helper.phone, "task_place_corrected") == []  # the place did not change
    moved = ticket_form(ticket, building="5栋", address="龙溪街道5栋1单元203")
    assert post_form(office, page, moved, page).status_code == 303
    [told] = sent_to(helper.phone, "task_place_corrected")
    assert "龙溪街道5栋1单元203" in told.body and ticket.code in told.body
