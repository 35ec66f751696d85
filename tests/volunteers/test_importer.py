"""`hotline import volunteers F.csv`: checked rows, all or nothing, updates by phone."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.db import db
from app.volunteers.models import Volunteer, VolunteerWindow
from tests.volunteers import factories as f

HEADER = "name,phone,community,skills,building,max_active,availability,language\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "volunteers.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def run(app, path: Path):
    db.session.rollback()  # the command migrates first: no transaction of ours may hold a lock
    return app.test_cli_runner().invoke(args=["import", "volunteers", str(path)])


def volunteers() -> list[Volunteer]:
    db.session.expire_all()
    return list(db.session.scalars(select(Volunteer).order_by(Volunteer.id)))


def test_import_then_reimport_updates_by_phone(app, ctx, tmp_path):
    f.community("longxi")
    good = write(
        tmp_path,
        "张师傅,139 0000 1001,longxi,appliance;electrical,3栋,2,"
        '"Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00",zh\n'
        "Li Wei,13900001002,LONGXI,elderly,,,,en\n",
    )
    result = run(app, good)
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated" in result.output
    zhang, li = volunteers()
    assert zhang.phone == "+8613900001001" and zhang.skills == ["appliance", "electrical"]
    assert zhang.availability_text == "Mon-Fri 18:00-21:00; Sat,Sun 09:00-18:00"
    assert not zhang.always_available
    assert len(db.session.scalars(select(VolunteerWindow)).all()) == 7
    assert li.always_available and li.max_active == 2 and li.language == "en"
    again = write(tmp_path, "张师傅,13900001001,longxi,plumbing,5栋,3,always,zh\n")
    assert "0 created, 1 updated" in run(app, again).output
    zhang = volunteers()[0]
    assert (zhang.skills, zhang.building, zhang.max_active) == (["plumbing"], "5栋", 3)
    assert zhang.always_available and not db.session.scalars(select(VolunteerWindow)).all()


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(app, ctx, tmp_path):
    f.community("longxi")
    bad = write(
        tmp_path,
        "ok,13900001001,longxi,appliance,,,,\n"
        "no skill,13900001002,longxi,cooking,,,,\n"
        "landline,023-61520695,longxi,appliance,,,,\n"  # fine: offered by call
        "bad hours,13900001003,longxi,appliance,,2,Mon 25:00-26:00,\n"
        "nowhere,13900001004,atlantis,appliance,,,,\n"
        "lazy,13900001005,longxi,appliance,,0,,\n"
        "twice,13900001001,longxi,appliance,,,,\n",
    )
    result = run(app, bad)
    assert result.exit_code == 1
    for line, problem in [
        (3, "unknown skill"),
        (5, "availability"),
        (6, "unknown community"),
        (7, "max_active"),
        (8, "twice"),
    ]:
        assert f"line {line}: " in result.output and problem in result.output
    assert "line 2:" not in result.output and "line 4:" not in result.output
    assert volunteers() == []


def test_the_demo_has_volunteers_in_every_community(app, ctx):
    from app.demo import seed

    lines = list(seed(db.session))
    db.session.commit()
    assert "demo volunteers: 12 created, 0 updated" in lines
    assert len({v.community_id for v in volunteers()}) == 4


def test_a_volunteer_on_a_landline_is_imported_to_be_offered_by_call(app, ctx, tmp_path):
    f.community("longxi")
    good = write(tmp_path, "王师傅,023-61520695,longxi,appliance,,,,\n")
    assert run(app, good).exit_code == 0
    [volunteer] = volunteers()
    assert volunteer.phone == "+862361520695" and volunteer.phone_kind == "landline"
