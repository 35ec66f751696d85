"""Staff correct a category through the ticket page; the correction is an event, and the
corrections page lists it (in scope only) so the keywords can be improved."""

from __future__ import annotations

from app.auth.models import StaffRole
from app.db import db
from app.tickets.models import ActorKind
from tests.support.staff import community, log_in, post_form, resident, staff, ticket


def test_a_correction_is_an_event_and_listed_for_improving_keywords(client, ctx):
    home, other = community(), community("jinshan")
    staff("lx", StaffRole.community, community_code="longxi")
    staff("js", StaffRole.community, community_code="jinshan")
    opened = ticket(resident("+8613800138000", home), "阳台水管那边墙上一直渗水")
    ticket(resident("+8613800138001", other), "外面的水龙头坏了")
    log_in(client, "lx")
    page = f"/dashboard/tickets/{opened.code}"
    assert 'data-action="recategorise"' in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/recategorise", {"category": "plumbing"}, page)
    assert response.status_code == 303
    db.session.expire_all()
    assert opened.category_code == "plumbing"
    [event] = [e for e in opened.events if e.kind == "recategorised"]
    assert event.actor_kind == ActorKind.staff
    assert event.data["from"] == "building" and event.data["to"] == "plumbing"
    assert event.data["keyword"] and "渗水" in event.data["text"]

    listing = client.get("/dashboard/corrections").get_data(as_text=True)
    assert opened.code in listing and "阳台水管那边墙上一直渗水" in listing
    assert "房屋修缮" in listing and "水管水暖" in listing
    # Another community's staff do not see it.
    log_in(client, "js")
    assert opened.code not in client.get("/dashboard/corrections").get_data(as_text=True)


def test_an_unknown_category_is_refused(client, ctx):
    home = community()
    staff("lx", StaffRole.community, community_code="longxi")
    opened = ticket(resident("+8613800138000", home), "洗衣机坏了")
    log_in(client, "lx")
    page = f"/dashboard/tickets/{opened.code}"
    post_form(client, f"{page}/recategorise", {"category": "nonsense"}, page)
    db.session.expire_all()
    assert opened.category_code == "appliance"
    assert not [e for e in opened.events if e.kind == "recategorised"]
