"""Staff users, places and tickets for dashboard tests, and logging in through the real form."""

from __future__ import annotations

import re

from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.auth.accounts import create_user
from app.auth.models import StaffRole, StaffUser
from app.communities.models import Community, Department
from app.db import db
from app.residents.models import Resident
from app.tickets.intake import report
from app.tickets.models import Channel, Ticket

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def community(code: str = "longxi", name: str = "龙溪社区", phone: str | None = None) -> Community:
    found = db.session.scalar(select(Community).where(Community.code == code))
    if found is None:
        found = Community(code=code, name=name, name_en=code.title(), staff_phone=phone)
        db.session.add(found)
        db.session.flush()
    return found


def department(code: str = "civil", name: str = "民政办") -> Department:
    found = db.session.scalar(select(Department).where(Department.code == code))
    if found is None:
        found = Department(code=code, name=name, name_en=code.title())
        db.session.add(found)
        db.session.flush()
    return found


def staff(
    username: str = "admin",
    role: StaffRole = StaffRole.admin,
    *,
    community_code: str | None = None,
    department_code: str | None = None,
    street_code: str | None = None,
) -> StaffUser:
    user = create_user(
        db.session,
        username,
        role,
        PASSWORD,
        community_code=community_code,
        department_code=department_code,
        street_code=street_code,
    )
    db.session.commit()
    return user


def resident(phone: str, place: Community | None = None, name: str = "李大爷") -> Resident:
    person = Resident(phone=phone, name=name, community_id=place.id if place else None)
    db.session.add(person)
    db.session.flush()
    return person


def ticket(person: Resident, text: str = "洗衣机坏了") -> Ticket:
    opened = report(db.session, person, text, Channel.sms).ticket
    db.session.commit()
    return opened


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on `path`.

    Tests that hold an app context (`ctx`) share `g` with the client's requests, and Flask-WTF
    caches the token in `g`; dropping it makes the page issue the token of the current session.
    """
    if has_app_context():
        g.pop("csrf_token", None)
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def post_form(client: FlaskClient, path: str, data: dict[str, str], page: str) -> TestResponse:
    """POST a dashboard form with the CSRF token taken from `page`, as a browser would."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})
