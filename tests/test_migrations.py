"""The migrations build exactly the schema the models describe."""

from alembic import command
from sqlalchemy import create_engine, text

from app import migrate
from app.db import db


def test_models_and_migrations_agree(ctx):
    assert migrate.pending_differences(db.engine) == []


def test_calls_going_on_during_the_upgrade_get_their_callers_kind_of_line(tmp_path):
    """0018 adds the caller's kind of line, which later steps read instead of the number: a call
    in progress when it runs has it filled in; ended calls keep none."""
    engine = create_engine(f"sqlite:///{tmp_path}/upgrade.db")
    config = migrate.alembic_config(str(engine.url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0017_streets")
        for sid, caller, status in [
            ("CA1", "+8613800138000", "in-progress"),
            ("CA2", "+862361520695", "in-progress"),
            ("CA3", "anonymous", "in-progress"),
            ("CA4", "+8613800138001", "completed"),
        ]:
            connection.execute(
                text(
                    "INSERT INTO calls (sid, direction, purpose, caller, line, flow, node,"
                    " language, state, path, digits, speech, transcript, step, last_reply,"
                    " emergency, status, started_at) VALUES (:sid, 'in', 'intake', :caller, '',"
                    " 'intake', '', 'zh', '{}', '[]', '[]', '[]', '[]', 1, '', 0, :status,"
                    " '2026-11-25 02:00:00')"
                ),
                {"sid": sid, "caller": caller, "status": status},
            )
        command.upgrade(config, "head")
        kinds = dict(connection.execute(text("SELECT sid, caller_kind FROM calls")).all())
    assert kinds == {"CA1": "mobile", "CA2": "landline", "CA3": None, "CA4": None}
