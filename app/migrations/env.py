"""Alembic environment: runs against the engine the caller passes, or DATABASE_URL."""

from __future__ import annotations

from typing import Literal

from alembic import context

import app.models  # noqa: F401  (fills the metadata)
from app.db import Base, UTCDateTime, make_engine

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    # A migration waits for the locks it needs rather than failing after the app's lock wait.
    url = context.config.get_main_option("sqlalchemy.url") or ""
    engine = make_engine(url, limit_lock_waits=False)
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


def _render_item(kind: str, obj: object, autogen_context: object) -> str | Literal[False]:
    """UTCDateTime is a plain DateTime in the database; migrations need not import the app."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
