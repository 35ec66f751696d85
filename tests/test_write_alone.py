"""`write_alone`: one row that alone changed is written by one UPDATE, without the flush."""

from __future__ import annotations

from sqlalchemy import inspect, select

from app.communities.models import Community
from app.db import db, write_alone
from tests.messaging.test_statement_budgets import counted


def two_communities() -> tuple[Community, Community]:
    first = Community(code="c1", name="一社区", name_en="One")
    second = Community(code="c2", name="二社区", name_en="Two")
    db.session.add_all([first, second])
    db.session.commit()
    return first, second


def test_a_row_changed_alone_is_one_update_of_its_changed_columns(app, ctx):
    with counted(app) as (statements, flushes):
        first, _ = two_communities()
        statements.clear()
        flushes.clear()
        first.staff_phone = "+8613900139000"
        assert write_alone(db.session, first)
        db.session.commit()
    assert len(statements) == 1 and statements[0].startswith("UPDATE communities SET staff_phone")
    assert flushes == []
    assert inspect(first).detached
    db.session.expire_all()
    assert db.session.scalar(select(Community.staff_phone).where(Community.code == "c1"))


def test_anything_else_pending_leaves_the_writing_to_the_flush(app, ctx):
    first, second = two_communities()
    first.staff_phone, second.staff_phone = "+8613900139000", "+8613900139001"
    assert not write_alone(db.session, first)
    second.staff_phone = None
    db.session.add(Community(code="c3", name="三社区", name_en="Three"))
    assert not write_alone(db.session, first)
    db.session.commit()
    assert inspect(first).persistent
    assert not write_alone(db.session, first)  # nothing changed: nothing to write
