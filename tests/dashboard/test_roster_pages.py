"""The volunteers roster's figures, importing volunteers and the duty roster from an upload."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.auth.models import StaffRole
from app.db import db
from app.voice.models import DutyShift
from app.volunteers.models import Volunteer
from tests.support.staff import csrf_token, log_in, staff
from tests.support.texting import text_line
from tests.volunteers import factories as f

HEADER = "name,phone,community,skills,building,max_active,availability,language\n"


@pytest.fixture
def admin(client, ctx, clock):
    staff("admin")
    log_in(client, "admin")
    return client


def upload(client, kind: str, text: str):
    page = f"/dashboard/import/{kind}"
    data = {"csrf_token": csrf_token(client, page), "file": (io.BytesIO(text.encode()), "x.csv")}
    return client.post(page, data=data, content_type="multipart/form-data")


def test_the_roster_shows_load_reliability_history_and_last_offer(admin, clock):
    home = f.community()
    f.resident(home)
    steady = f.volunteer(1, home, accepts=8, declines=1, completions=8, ratings=4, rating_points=8)
    f.volunteer(2, home, no_replies=6, drops=2)
    text_line(admin, f.RESIDENT, "洗衣机坏了")  # both are offered the ticket now
    html = admin.get("/dashboard/volunteers").get_data(as_text=True)
    assert "87%" in html  # (9/11 + 9/10 + 9/10) / 3, as matching ranks it
    assert "29%" in html  # (1/8 + 1/4 + 1/2) / 3
    assert "接单8 谢绝1 未回复0 · 完成8 退回0 · 评价4" in html
    assert "接单0 谢绝0 未回复6 · 完成0 退回2 · 评价0" in html
    assert html.count("11-25 10:00") == 2 and steady.name in html


def test_importing_volunteers_is_all_or_nothing_with_every_bad_line_shown(admin):
    f.community()
    bad = HEADER + (
        "张师傅,13900000001,longxi,appliance,3栋,2,Mon-Fri 18:00-21:00,zh\n"
        "李师傅,not-a-phone,longxi,appliance,,,,\n"
        "王师傅,13900000003,nowhere,juggling,,,,\n"
    )
    response = upload(admin, "volunteers", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第3行" in html and "第4行" in html and "第2行" not in html
    assert db.session.scalars(select(Volunteer)).all() == []  # nothing half-imported

    good = HEADER + "张师傅,13900000001,longxi,appliance;electrical,3栋,2,always,zh\n"
    response = upload(admin, "volunteers", good)
    assert response.status_code == 303
    [volunteer] = db.session.scalars(select(Volunteer)).all()
    assert volunteer.skills == ["appliance", "electrical"]
    assert "张师傅" in admin.get("/dashboard/volunteers").get_data(as_text=True)


def test_the_duty_roster_is_listed_and_imported_by_admins_only(admin, client):
    response = upload(admin, "duty", "name,phone,hours\n张主任,13900139000,Mon-Fri 08:30-17:30\n")
    assert response.status_code == 303
    html = admin.get("/dashboard/admin/duty").get_data(as_text=True)
    assert "张主任" in html and "现在值班" in html  # Wednesday 10:00
    assert db.session.scalars(select(DutyShift)).one().phone == "+8613900139000"

    f.community()
    staff("office", StaffRole.office)
    log_in(client, "office")
    assert client.get("/dashboard/import/duty").status_code == 403
    assert client.get("/dashboard/import/volunteers").status_code == 200
    assert client.get("/dashboard/import/nothing").status_code == 404
