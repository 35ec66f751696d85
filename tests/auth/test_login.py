"""Logging in and out: argon2id, fresh sessions, cookie flags, CSRF, throttling, commands."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from app.auth.models import StaffRole, StaffUser
from app.auth.throttle import ADDRESS_ATTEMPTS
from app.db import db
from tests.support.staff import PASSWORD, csrf_token, log_in, staff


def session_cookie(client):
    return client.get_cookie("session")


def test_password_is_stored_as_argon2id(ctx):
    user = staff("admin")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_the_app_hashes_at_the_recommended_cost_outside_the_suite():
    """The suite hashes its own users cheaply (tests/conftest.py); the app itself does not."""
    code = "from app.auth.accounts import hash_password; print(hash_password('a password'))"
    hashed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_login_regenerates_the_session_and_sets_safe_cookie_flags(client, ctx):
    staff("admin")
    csrf_token(client)  # the login page puts a CSRF token in the anonymous session
    before = session_cookie(client).value
    response = log_in(client, "admin")
    assert response.status_code == 302 and response.location.endswith("/dashboard/")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header
    assert session_cookie(client).value != before
    assert client.get("/dashboard/").status_code == 200


def test_logout_is_a_post_and_kills_every_copy_of_the_cookie(client, app, ctx):
    staff("admin")
    log_in(client, "admin")
    stolen = session_cookie(client).value
    assert client.get("/logout").status_code == 405  # GET never changes state
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard/")})
    assert response.status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/dashboard/").status_code == 302  # back to the login page


def test_forms_without_the_csrf_token_are_refused(client, ctx):
    staff("admin")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    log_in(client, "admin")
    assert client.post("/logout").status_code == 400


def test_wrong_passwords_lock_the_account_for_15_minutes(client, ctx, clock):
    staff("admin")
    for _ in range(5):
        assert log_in(client, "admin", "wrong password!").status_code == 401
    locked = log_in(client, "admin")
    assert locked.status_code == 429 and "15" in locked.get_data(as_text=True)
    clock.advance(minutes=16)
    assert log_in(client, "admin").status_code == 302


def test_guessing_many_accounts_from_one_address_locks_the_address(client, app, ctx, clock):
    staff("admin")
    for n in range(ADDRESS_ATTEMPTS):
        log_in(client, f"nobody{n}", "guess guess guess")
    assert log_in(client, "admin").status_code == 429
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert log_in(other_address, "admin").status_code == 302


def test_unknown_user_and_wrong_password_look_the_same(client, ctx):
    staff("admin")
    unknown = log_in(client, "nobody", "whatever it is").get_data(as_text=True)
    wrong = log_in(client, "admin", "whatever it is").get_data(as_text=True)
    assert "用户名或密码不正确" in unknown and "用户名或密码不正确" in wrong


def test_next_only_goes_to_our_own_pages(client, ctx):
    staff("admin")
    token = csrf_token(client)
    form = {"username": "admin", "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=//evil.example/x", data=form)
    assert response.location.endswith("/dashboard/")


def test_pages_need_a_login(client, ctx):
    response = client.get("/dashboard/reports")
    assert response.status_code == 302 and "/login" in response.location


def test_language_toggle_switches_the_pages_to_english(client, ctx):
    staff("admin")
    log_in(client, "admin")
    assert "工单队列" in client.get("/dashboard/").get_data(as_text=True)
    token = csrf_token(client, "/dashboard/")
    client.post("/language", data={"lang": "en", "next": "/dashboard/", "csrf_token": token})
    assert "Open tickets, soonest deadline first" in client.get("/dashboard/").get_data(
        as_text=True
    )
    assert db.session.scalar(select(StaffUser.language)) == "en"


def test_staff_add_and_api_key_commands(app, ctx):
    from tests.support.staff import community

    community()
    db.session.commit()
    runner = app.test_cli_runner()
    add = ["staff", "add", "lx", "--role", "community", "--community", "longxi"]
    result = runner.invoke(args=[*add, "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    refused = runner.invoke(
        args=["staff", "add", "x", "--role", "liaison", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert refused.exit_code == 1 and "department" in refused.output
    prompted = runner.invoke(
        args=["staff", "add", "boss", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert prompted.exit_code == 0, prompted.output
    key = runner.invoke(args=["staff", "api-key", "lx"]).output.strip()
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == "lx"))
    assert user.role is StaffRole.community and user.community.code == "longxi"
    assert len(key) >= 40 and user.api_key_hash and key not in user.api_key_hash


def test_seed_demo_prints_the_demo_logins_once(app, ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"]).output
    assert "demo admin: admin / " in first and "demo community: longxi / " in first
    password = first.split("demo admin: admin / ")[1].split()[0]
    again = runner.invoke(args=["seed-demo"]).output
    assert "demo admin" not in again
    client = app.test_client()
    assert log_in(client, "admin", password).status_code == 302
