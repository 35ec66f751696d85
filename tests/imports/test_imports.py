"""CSV imports through the hotline command: good files import, bad rows are reported by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.communities.models import Community, Department, UnitKind
from app.db import db
from app.residents.models import Resident

COMMUNITIES = "code,name,name_en\nlongxi,龙溪社区,Longxi\njinshan,金山社区,Jinshan\n"


@pytest.fixture
def run(app, tmp_path: Path):
    runner = app.test_cli_runner()

    def invoke(kind: str, text: str):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8-sig")
        return runner.invoke(args=["import", kind, str(path)])

    return invoke


def residents() -> dict[str, Resident]:
    db.session.expire_all()
    return {r.phone: r for r in db.session.scalars(select(Resident))}


def test_communities_then_residents_with_numbers_as_people_write_them(run, ctx):
    assert run("communities", COMMUNITIES).exit_code == 0
    result = run(
        "residents",
        "name,phone,community,building,address,language\n"
        "王奶奶,023-61520695,longxi,3栋,3栋401,zh\n"
        "李大爷,13800138000,longxi,5栋,,zh\n"
        "Tom,+86 138 0013 8002,jinshan,2栋,,en\n",
    )
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    people = residents()
    assert people["+862361520695"].phone_kind == "landline"
    assert people["+8613800138000"].phone_kind == "mobile"
    assert people["+8613800138002"].language == "en"


def test_a_file_with_bad_rows_is_reported_by_line_and_not_imported(run, ctx):
    run("communities", COMMUNITIES)
    result = run(
        "residents",
        "name,phone,community,building,address,language\n"
        "好人,13800138000,longxi,1栋,,zh\n"
        "坏号码,12345,longxi,,,zh\n"
        "无社区,13800138001,nowhere,,,zh\n"
        "重复,138 0013 8000,longxi,,,zh\n"
        "语言,13800138003,longxi,,,fr\n",
    )
    assert result.exit_code == 1
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert line in result.output
    assert "unknown community 'nowhere'" in result.output
    assert "appears twice" in result.output
    assert residents() == {}


def test_reimport_updates_by_phone(run, ctx):
    run("communities", COMMUNITIES)
    header = "name,phone,community,building,address,language\n"
    run("residents", header + "李大爷,13800138000,longxi,5栋,,zh\n")
    result = run("residents", header + "李建国,+8613800138000,jinshan,9栋,,zh\n")
    assert "0 created, 1 updated" in result.output
    [person] = residents().values()
    assert person.name == "李建国" and person.building == "9栋"


def test_wrong_header_is_refused(run, ctx):
    result = run("communities", "id,title\n1,x\n")
    assert result.exit_code == 1 and "missing column(s): code, name" in result.output
    assert db.session.scalars(select(Community)).all() == []


def test_departments_with_liaison_phones(run, ctx):
    result = run(
        "departments",
        "code,name,name_en,liaison_phone,kind\n"
        "civil,民政办,Civil Affairs,13900000001,department\n"
        "sanitation,环卫所,Sanitation,13900000009,partner\n",
    )
    assert result.exit_code == 0, result.output
    units = {d.code: d for d in db.session.scalars(select(Department))}
    assert units["civil"].liaison_phone == "+8613900000001"
    assert units["sanitation"].kind == UnitKind.partner


def test_seed_demo_is_idempotent(app, ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert "demo communities: 4 created" in first.output
    assert "demo communities: 0 created, 4 updated" in second.output
