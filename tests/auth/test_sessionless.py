"""Routes for machines (provider webhooks and callbacks, the API, metrics) never read the staff
session; every other route still knows its user."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.staff import log_in, staff
from tests.support.texting import post_signed


def test_a_webhook_from_a_logged_in_browser_does_not_read_the_session(client: FlaskClient, ctx):
    staff("admin")
    log_in(client, "admin")
    answer = post_signed(client, "/twilio/ping", {"CallSid": "CA1"})
    assert answer.status_code == 204
    assert "Cookie" not in answer.vary  # the answer cannot depend on the cookie
    assert "Set-Cookie" not in answer.headers


def test_a_staff_page_still_knows_its_user(client: FlaskClient, ctx):
    staff("admin")
    log_in(client, "admin")
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert "admin" in page.get_data(as_text=True)
    assert "Cookie" in page.vary


def test_a_machine_route_is_still_refused_without_its_proof(client: FlaskClient):
    assert client.post("/twilio/ping", data={"CallSid": "CA1"}).status_code == 403
