"""Test set-up: one app and one migrated database per run; every test starts with empty tables.

DATABASE_URL selects PostgreSQL; otherwise a fresh SQLite file. Tables are emptied (not rolled
back) between tests because concurrency tests commit from several threads and processes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

import app.models  # every table in the metadata, so a run drops them all
from app import create_app
from app import models as every_model  # all tables in the metadata, so drop_all drops them all
from app.clock import FrozenClock
from app.db import EXTENSION_KEY, Base, db

pytest_plugins = ["tests.support.fixtures"]

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://hotline.example.org"
KEEP = {"categories", "alembic_version"}  # reference data loaded once per run


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def app_config(database_url: str, **extra: object) -> dict[str, object]:
    """The settings of the suite's app (another app on the same database adds `extra`)."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        **extra,
    }


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(app_config(database_url))
    with app.app_context():
        _drop_everything(db.engine)
        from app.cli import prepare_database

        prepare_database()
    yield app
    db.session.remove()
    app.extensions[EXTENSION_KEY].dispose()


def _drop_everything(engine: Engine) -> None:
    assert every_model.__all__
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table except reference data after each test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    db.session.remove()
    empty_tables(request.getfixturevalue("app").extensions[EXTENSION_KEY])


def empty_tables(engine: Engine) -> None:
    """Delete every row except reference data (also used between hypothesis examples)."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    """Time stands still at a Wednesday 10:00 in Chongqing until the test moves it."""
    frozen = FrozenClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    frozen.install()
    yield frozen
    FrozenClock.uninstall()
