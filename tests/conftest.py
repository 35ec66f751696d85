"""Test set-up: one app and one migrated database per run; every test starts with empty tables.

DATABASE_URL selects PostgreSQL; otherwise a fresh SQLite file. Tables are emptied (not rolled
back) between tests because concurrency tests commit from several threads and processes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import Table, create_engine, make_url, text
from sqlalchemy.engine import Engine

import app.models  # every table in the metadata, so a run drops them all
from app import create_app
from app import models as every_model  # all tables in the metadata, so drop_all drops them all
from app.auth import accounts
from app.clock import FrozenClock
from app.db import EXTENSION_KEY, Base, db

pytest_plugins = ["tests.support.fixtures"]

# Property tests on a loaded 2-core machine: an example that takes long is slow, not wrong, so no
# per-example deadline and no "too slow" health check. HYPOTHESIS_PROFILE=ci also fixes the
# examples (derandomize), so a CI run is repeatable; the default profile keeps exploring.
settings.register_profile(
    "hotline", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "hotline-ci", settings.get_profile("hotline"), derandomize=True, database=None
)
settings.load_profile("hotline-ci" if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else "hotline")

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://hotline.example.org"
LIVE_ACCOUNT = "AC" + "1" * 32  # a Twilio account SID: an app given one is out of local mode
KEEP = {"categories", "alembic_version"}  # reference data loaded once per run


@pytest.hookimpl(trylast=True)  # after any shuffling of the order
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest tests first: with `-n 2` one of them started last would leave a worker
    running alone for its minute at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """A fresh SQLite file per process; with DATABASE_URL, that database, or with xdist one
    beside it per worker (so `-n 2` runs the PostgreSQL suite on two cores too)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if worker_id != "master":
        url = _database_of_its_own(url, worker_id)
        os.environ["DATABASE_URL"] = url  # processes the tests start use it too
    _commits_without_waiting_for_the_disk(url)
    return url


def _database_of_its_own(url: str, worker: str) -> str:
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not found:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _commits_without_waiting_for_the_disk(url: str) -> None:
    """A test database's commits need not survive a crash of the server: without waiting for
    the disk a commit takes 0.4 ms instead of 3 here, and the suite commits tens of thousands
    of times. Sessions opened from now on, the tests' subprocesses' too, see the setting."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            name = conn.scalar(text("SELECT current_database()"))
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    finally:
        engine.dispose()


def app_config(database_url: str, **extra: object) -> dict[str, object]:
    """The settings of the suite's app (another app on the same database adds `extra`)."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-0123456789abcdef-0123456789",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        # Tests move the clock by hours and days while logged in; the idle limit has its own
        # test (tests/auth/test_session_limits.py).
        "HOTLINE_SESSION_IDLE_MINUTES": 10 * 365 * 24 * 60,
        **extra,
    }


@contextmanager
def another_app(database_url: str, **extra: object) -> Iterator[Flask]:
    """An app beside the suite's on the same database (its settings plus `extra`); its
    connections are closed after."""
    other = create_app(app_config(database_url, **extra))
    try:
        yield other
    finally:
        other.extensions[EXTENSION_KEY].dispose()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id at its lowest cost for the suite's own users: the same algorithm and code, but
    not a third of a second of CPU for each of the hundreds of staff logins. An app started in
    another process still hashes at full cost (and upgrades these hashes when they log in)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
        )
        yield


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
    """Delete every row except reference data (also used between hypothesis examples), and
    number rows from 1 again. DELETE, not TRUNCATE, on PostgreSQL too: a test leaves a few
    rows, and TRUNCATE's new files for forty tables cost 30 times as much (135 ms a test)."""
    tables = tuple(t for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP)
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.execute(text(_restart_sequences(tables)))


@cache
def _restart_sequences(tables: tuple[Table, ...]) -> str:
    """One statement that sets every table's id sequence back to 1."""
    restarts = [
        f"setval(pg_get_serial_sequence('{t.name}', '{t.autoincrement_column.name}'), 1, false)"
        for t in tables
        if t.autoincrement_column is not None
    ]
    return "SELECT " + ", ".join(restarts)


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
