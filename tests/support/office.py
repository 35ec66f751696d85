"""A street for the office's pages: Longxi with Wang on its books, Jinshan, three volunteers,
someone on duty, and one staff user of each kind; and clients logged in as them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.auth.models import StaffRole
from app.communities.models import Community
from app.db import db
from app.residents.models import Resident
from app.voice.roster import set_shift
from tests.support.staff import department, log_in, staff
from tests.volunteers import factories as f

MOBILE = "+8613800138000"
DUTY = "+8613900003001"
SKILLS = ("appliance", "plumbing", "building", "electrical", "other")


def office_street() -> tuple[Community, Community, Resident]:
    home = Community(code="longxi", name="龙溪社区", name_en="Longxi", staff_phone="+8613900002001")
    other = Community(code="jinshan", name="金山社区", name_en="Jinshan")
    wang = Resident(
        phone=MOBILE, name="王奶奶", community=home, building="3栋", address="龙溪街道3栋2单元401"
    )
    db.session.add_all([home, other, wang])
    db.session.commit()
    for n in range(1, 4):
        f.volunteer(n, home, skills=SKILLS)
    set_shift(db.session, "张主任", DUTY, "Mon-Fri 08:30-17:30", "CN")
    staff("office", StaffRole.office)
    staff("lx", StaffRole.community, community_code="longxi")
    staff("js", StaffRole.community, community_code="jinshan")
    department()
    staff("civil", StaffRole.liaison, department_code="civil")
    db.session.commit()
    return home, other, wang


def as_user(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    log_in(client, username)
    return client
