"""Every dashboard page renders, escapes what people typed, and does what it says."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import StaffRole
from app.db import db
from app.messaging.models import Direction, Message
from app.tickets.models import Priority, Ticket
from app.volunteers.models import Volunteer
from tests.conftest import AUTH_TOKEN, LIVE_ACCOUNT, another_app
from tests.support.staff import community, log_in, post_form, resident, staff, ticket

XSS = "<script>alert(1)</script>"


@pytest.fixture
def admin(client, ctx):
    staff("admin")
    log_in(client, "admin")
    return client


def test_user_text_is_escaped_on_every_page_that_shows_it(admin):
    place = community()
    person = resident("+8613800138000", place, name=XSS)
    opened = ticket(person, f"洗衣机 {XSS}")
    db.session.add(Volunteer(name=XSS, phone="+8613900000001", community_id=place.id))
    db.session.commit()
    pages = [
        "/dashboard/",
        "/dashboard/queue/changes",
        f"/dashboard/tickets/{opened.code}",
        "/dashboard/volunteers",
        "/dashboard/callbacks",
        f"/dashboard/residents?q={person.phone}",
        f"/dashboard/residents/{person.id}",
        "/dashboard/outbox",
        f"/dashboard/simulator?phone={person.phone}",
    ]
    for path in pages:
        html = admin.get(path).get_data(as_text=True)
        assert XSS not in html, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in admin.get(
        f"/dashboard/tickets/{opened.code}"
    ).get_data(as_text=True)


def test_queue_is_urgent_first_then_by_deadline_coloured_and_filtered(admin, clock):
    place = community()
    first = ticket(resident("+8613800138000", place), "洗衣机坏了")
    clock.advance(hours=20)
    second = ticket(resident("+8613800138001", place), "厨房有煤气味")
    third = ticket(resident("+8613800138002", place), "楼道灯不亮")
    html = admin.get("/dashboard/").get_data(as_text=True)
    # Urgent first whatever its deadline, then the earliest deadline.
    assert html.index(second.code) < html.index(first.code) < html.index(third.code)
    assert f'class="soon" data-code="{first.code}"' in html  # 4 of 24 hours left
    assert f'class="fine urgent" data-code="{second.code}"' in html
    clock.advance(hours=5)
    html = admin.get("/dashboard/").get_data(as_text=True)
    assert f'class="late" data-code="{first.code}"' in html
    urgent = admin.get("/dashboard/?urgent=1").get_data(as_text=True)
    assert second.priority == Priority.urgent
    assert second.code in urgent and first.code not in urgent
    assert first.code in admin.get("/dashboard/?q=13800138000").get_data(as_text=True)
    by_text = admin.get("/dashboard/?q=煤气").get_data(as_text=True)
    assert second.code in by_text and first.code not in by_text
    by_code = admin.get(f"/dashboard/?q={first.code}").get_data(as_text=True)
    assert first.code in by_code and second.code not in by_code
    by_category = admin.get("/dashboard/?category=appliance").get_data(as_text=True)
    assert first.code in by_category and second.code not in by_category
    assert admin.get("/dashboard/?status=bogus").status_code == 200


def test_volunteers_can_be_paused_and_resumed(admin):
    place = community()
    volunteer = Volunteer(name="张师傅", phone="+8613900000001", community_id=place.id)
    volunteer.skills = ["appliance", "electrical"]
    db.session.add(volunteer)
    db.session.commit()
    html = admin.get("/dashboard/volunteers").get_data(as_text=True)
    assert "张师傅" in html and "家电维修、电路照明" in html and "appliance" not in html
    path = f"/dashboard/volunteers/{volunteer.id}/pause"
    assert post_form(admin, path, {}, "/dashboard/volunteers").status_code == 303
    db.session.refresh(volunteer)
    assert not volunteer.active and volunteer.paused_at is not None
    post_form(admin, f"/dashboard/volunteers/{volunteer.id}/resume", {}, "/dashboard/volunteers")
    db.session.refresh(volunteer)
    assert volunteer.active and volunteer.paused_at is None


def test_residents_are_found_by_phone_or_name_with_their_history(admin):
    place = community()
    person = resident("+8613800138000", place, name="王奶奶")
    opened = ticket(person)
    assert "王奶奶" in admin.get("/dashboard/residents?q=138 0013 8000").get_data(as_text=True)
    assert "王奶奶" in admin.get("/dashboard/residents?q=王").get_data(as_text=True)
    assert opened.code in admin.get(f"/dashboard/residents/{person.id}").get_data(as_text=True)


def test_admin_pages_are_for_admins(client, ctx):
    community()
    staff("lx", StaffRole.community, community_code="longxi")
    log_in(client, "lx")
    for page in ("users", "duty", "categories", "settings"):
        assert client.get(f"/dashboard/admin/{page}").status_code == 403


def test_admins_add_users_and_see_settings_without_secrets(admin, app):
    community()
    db.session.commit()
    form = {"username": "lx2", "role": "community", "community": "longxi", "password": "x" * 12}
    post_form(admin, "/dashboard/admin/users", form, "/dashboard/admin/users")
    assert "lx2" in admin.get("/dashboard/admin/users").get_data(as_text=True)
    settings = admin.get("/dashboard/admin/settings").get_data(as_text=True)
    assert "HOTLINE_RANKING_MIN_SAMPLE" in settings
    assert app.config["SECRET_KEY"] not in settings and AUTH_TOKEN not in settings
    assert "家电维修" in admin.get("/dashboard/admin/categories").get_data(as_text=True)


def test_the_simulator_texts_the_line_through_the_signed_webhook(admin):
    community()
    response = post_form(
        admin,
        "/dashboard/simulator",
        {"phone": "13800138000", "body": "楼道灯不亮了"},
        "/dashboard/simulator",
    )
    assert response.status_code == 303
    opened = db.session.scalars(select(Ticket)).one()
    html = admin.get(response.location).get_data(as_text=True)
    assert "楼道灯不亮了" in html and opened.code in html  # the text and the reply
    inbound = db.session.scalars(select(Message).where(Message.direction == Direction.inbound))
    assert [m.body for m in inbound] == ["楼道灯不亮了"]
    assert opened.code in admin.get("/dashboard/outbox").get_data(as_text=True)


def test_links_in_texts_are_clickable_but_nothing_else_is_markup(admin):
    from app.dashboard.blueprint import linkify

    html = str(linkify(f"看 https://x.example/o/abc?a=1&b=2 {XSS}"))
    assert '<a href="https://x.example/o/abc?a=1&amp;b=2"' in html
    assert XSS not in html


def test_local_pages_do_not_exist_with_a_real_provider(app, database_url):  # app: cleaned after
    with another_app(database_url, TWILIO_ACCOUNT_SID=LIVE_ACCOUNT) as live, live.app_context():
        client = live.test_client()
        staff("admin")
        log_in(client, "admin")
        assert client.get("/dashboard/outbox").status_code == 404
        assert client.get("/dashboard/simulator").status_code == 404
        db.session.remove()
