"""Who sees what: community offices their own community, liaisons their escalations."""

from __future__ import annotations

import pytest

from app.auth.models import StaffRole
from app.db import db
from app.tickets.lifecycle import SYSTEM, Move, transition
from tests.support.staff import (
    community,
    department,
    log_in,
    post_form,
    resident,
    staff,
    ticket,
)


@pytest.fixture
def two_communities(ctx):
    longxi, jinshan = community("longxi"), community("jinshan", "金山社区")
    department("civil")
    ours = ticket(resident("+8613800138000", longxi), "洗衣机坏了")
    theirs = ticket(resident("+8613800138001", jinshan), "楼道灯不亮")
    return ours, theirs


def queue_codes(client) -> set[str]:
    html = client.get("/dashboard/").get_data(as_text=True)
    return {part.split('"')[0] for part in html.split('data-code="')[1:]}


def test_community_staff_see_and_act_on_their_own_community_only(client, two_communities):
    ours, theirs = two_communities
    staff("lx", StaffRole.community, community_code="longxi")
    log_in(client, "lx")
    assert queue_codes(client) == {ours.code}
    assert client.get(f"/dashboard/tickets/{ours.code}").status_code == 200
    assert client.get(f"/dashboard/tickets/{theirs.code}").status_code == 404
    page = f"/dashboard/tickets/{ours.code}"
    response = post_form(client, f"/dashboard/tickets/{theirs.code}/note", {"text": "x"}, page)
    assert response.status_code == 404
    assert [e.kind for e in theirs.events] == ["received"]


@pytest.mark.parametrize("role", [StaffRole.office, StaffRole.admin])
def test_the_street_office_and_admins_see_everything(client, two_communities, role):
    ours, theirs = two_communities
    staff("street", role)
    log_in(client, "street")
    assert queue_codes(client) == {ours.code, theirs.code}


def test_a_liaison_sees_tickets_escalated_to_their_department(client, two_communities):
    ours, theirs = two_communities
    staff("civil", StaffRole.liaison, department_code="civil")
    log_in(client, "civil")
    assert queue_codes(client) == set()
    theirs.unit = department("civil")
    transition(theirs, Move.escalate, SYSTEM)
    db.session.commit()
    assert queue_codes(client) == {theirs.code}
    assert client.get(f"/dashboard/tickets/{ours.code}").status_code == 404
    assert client.get("/dashboard/volunteers").status_code == 403
