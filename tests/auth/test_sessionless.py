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


def test_the_session_signer_is_built_once_and_again_for_a_new_secret(client: FlaskClient, ctx):
    """Built once per secret key, not per request; a new key makes the old cookie worthless."""
    app = client.application
    interface = app.session_interface
    signer = interface.get_signing_serializer(app)
    assert signer is not None and interface.get_signing_serializer(app) is signer
    staff("admin")
    log_in(client, "admin")
    assert client.get("/dashboard/").status_code == 200
    old_key = app.secret_key
    app.secret_key = old_key + "-rotated"  # type: ignore[operator]
    try:
        assert interface.get_signing_serializer(app) is not signer
        assert client.get("/dashboard/").status_code in (302, 303)  # to the login again
    finally:
        app.secret_key = old_key
    assert client.get("/dashboard/").status_code == 200
