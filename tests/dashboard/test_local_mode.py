"""Local mode: the outbox and the phone simulator are for admins only (they show every text sent
and text or call as any resident or volunteer), and every page says it is local mode; with a
real provider no page says so."""

from __future__ import annotations

import pytest
from flask import Flask

from app.auth.models import StaffRole
from app.db import db
from tests.conftest import LIVE_ACCOUNT, another_app
from tests.support.staff import community, csrf_token, department, log_in, resident, staff, ticket
from tests.test_security_headers import every_request

BANNER = ("本地模式", "Local mode")
LOCAL_PAGES = ["/dashboard/outbox", "/dashboard/simulator"]


@pytest.mark.parametrize(
    ("role", "where"),
    [
        (StaffRole.office, {}),
        (StaffRole.community, {"community_code": "longxi"}),
        (StaffRole.liaison, {"department_code": "civil"}),
    ],
)
def test_other_roles_cannot_read_the_outbox_or_text_as_someone(client, ctx, role, where):
    community()
    department()
    staff("someone", role, **where)
    log_in(client, "someone")
    for path in LOCAL_PAGES:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/dashboard/")
    texted = {"phone": "13800138000", "body": "灯坏了", "csrf_token": token}
    assert client.post("/dashboard/simulator", data=texted).status_code == 403
    called = {"phone": "13800138000", "csrf_token": token}
    assert client.post("/dashboard/simulator/call", data=called).status_code == 403
    assert client.post("/dashboard/simulator/call/CA1", data=called).status_code == 403
    assert client.post("/dashboard/simulator/answer/1", data=called).status_code == 403
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "/dashboard/outbox" not in page and "/dashboard/simulator" not in page


def test_admins_have_the_outbox_and_the_simulator(client, ctx):
    staff("admin")
    log_in(client, "admin")
    for path in LOCAL_PAGES:
        assert client.get(path).status_code == 200, path
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "/dashboard/outbox" in page and "/dashboard/simulator" in page
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/dashboard/")})
    english = client.get("/dashboard/").get_data(as_text=True)
    assert BANNER[1] in english and BANNER[0] not in english


def html_pages(app: Flask, client, code: str) -> dict[str, str]:
    """Every GET route's page (200 or the 410 of a spent link) that answers HTML."""
    pages = {}
    for method, path in every_request(app, code):
        response = client.get(path) if method == "GET" else None
        shown = response is not None and response.status_code in (200, 410)
        html = response.get_data(as_text=True) if shown else ""
        if html.lstrip().lower().startswith("<!doctype"):  # a page, not a fragment of one
            pages[path] = html
    return pages


def test_every_page_says_local_mode(app, client, ctx):
    code = ticket(resident("+8613800138000", community())).code
    anonymous = html_pages(app, app.test_client(), code)
    staff("admin")
    log_in(client, "admin")
    pages = {**anonymous, **html_pages(app, client, code)}
    assert "/login" in anonymous and "/s/1" in anonymous
    assert {"/dashboard/", f"/dashboard/tickets/{code}", "/dashboard/outbox"} <= set(pages)
    for path, html in pages.items():
        assert BANNER[0] in html, path  # in the page's language (Chinese here)


def test_no_page_says_local_mode_with_a_real_provider(app, database_url):
    with another_app(database_url, TWILIO_ACCOUNT_SID=LIVE_ACCOUNT) as live, live.app_context():
        staff("admin")
        client = live.test_client()
        log_in(client, "admin")
        for path in ("/login", "/dashboard/", "/dashboard/reports", "/s/unknown"):
            html = client.get(path).get_data(as_text=True)
            assert not any(word in html for word in BANNER), path
        db.session.remove()
