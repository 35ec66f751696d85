"""A staff session idle for HOTLINE_SESSION_IDLE_MINUTES ends (the language choice stays), and
one password length limit holds for setting and for checking a password."""

from __future__ import annotations

import pytest

from app.auth.accounts import (
    MAX_PASSWORD_LENGTH,
    AccountError,
    authenticate,
    create_user,
    set_password,
)
from app.auth.models import StaffRole
from app.db import db
from tests.support.staff import csrf_token, log_in, staff

IDLE_MINUTES = 30


@pytest.fixture
def idle_limit(app, monkeypatch):
    monkeypatch.setattr(app.config["SETTINGS"], "HOTLINE_SESSION_IDLE_MINUTES", IDLE_MINUTES)


def test_an_idle_session_ends_and_activity_keeps_it(client, ctx, clock, idle_limit):
    staff("admin")
    log_in(client, "admin")
    for _ in range(4):  # two hours of use, a request every 25 minutes
        clock.advance(minutes=IDLE_MINUTES - 5)
        assert client.get("/dashboard/").status_code == 200
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/dashboard/")})
    clock.advance(minutes=IDLE_MINUTES + 1)
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Log in" in client.get("/login").get_data(as_text=True)  # English kept
    clock.advance(minutes=1)
    assert client.get("/dashboard/").status_code == 302  # the old cookie does not come back


def test_a_session_cookie_without_a_last_seen_time_is_not_a_session(client, ctx, idle_limit):
    staff("admin")
    log_in(client, "admin")
    with client.session_transaction() as cookie:
        del cookie["seen"]
    assert client.get("/dashboard/").status_code == 302


def test_one_password_limit_for_setting_and_checking(ctx):
    longest = "p" * MAX_PASSWORD_LENGTH
    user = create_user(db.session, "long", StaffRole.admin, longest)
    db.session.commit()
    assert authenticate(db.session, "long", longest, "10.0.0.1").user is user
    with pytest.raises(AccountError, match=str(MAX_PASSWORD_LENGTH)):
        set_password(user, longest + "p")
    with pytest.raises(AccountError, match=str(MAX_PASSWORD_LENGTH)):
        create_user(db.session, "longer", StaffRole.admin, longest + "p")
    assert authenticate(db.session, "long", longest + "p", "10.0.0.2").user is None


def test_a_password_longer_than_the_limit_is_a_failed_login(client, ctx):
    staff("admin")
    form = {"username": "admin", "password": "x" * 900_000, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=form).status_code == 401
