"""A SQLite write lock that cannot be had answers 503 with Retry-After (Twilio retries), after
HOTLINE_LOCK_WAIT_SECONDS, while reads and /healthz go on; once the lock is free, the text is
taken. The lock is held by another process (here a plain sqlite3 connection, as a `sqlite3`
shell or a second `hotline` process would) or by another thread's write unit."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import db
from tests.conftest import another_app
from tests.support.texting import text_line

pytestmark = pytest.mark.faults

WAIT_SECONDS = 0.3
ANSWER_SECONDS = 5.0  # the wait plus a request on a loaded machine


@pytest.fixture
def impatient(app: Flask, database_url: str) -> Iterator[Flask]:
    """The suite's SQLite database, served by an app that waits WAIT_SECONDS for the lock."""
    if make_url(database_url).get_backend_name() != "sqlite":
        pytest.skip("the write lock is SQLite's; PostgreSQL locks rows")
    with another_app(database_url, HOTLINE_LOCK_WAIT_SECONDS=WAIT_SECONDS) as other:
        yield other


def assert_not_now_then_taken(app: Flask) -> None:
    client = app.test_client()
    started = time.monotonic()
    refused = text_line(client, "13800138000", "楼道灯坏了")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"].isdigit()
    assert "Service temporarily unavailable" in refused.get_data(as_text=True)
    assert time.monotonic() - started < ANSWER_SECONDS
    health = client.get("/healthz")  # a read: it never waits for the writer
    assert health.status_code == 200
    assert client.get("/login").status_code == 200


def test_a_writer_in_another_process_makes_a_text_wait_then_503(impatient: Flask, database_url):
    holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert_not_now_then_taken(impatient)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert text_line(impatient.test_client(), "13800138000", "楼道灯坏了").status_code == 200


def test_a_write_unit_of_another_thread_makes_a_text_wait_then_503(impatient: Flask) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with impatient.app_context(), db.unit_of_work(writes=True) as session:
            session.execute(text("SELECT 1"))  # a write unit begins IMMEDIATE
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(30)
        assert_not_now_then_taken(impatient)
    finally:
        release.set()
        holder.join(30)
    assert text_line(impatient.test_client(), "13800138000", "楼道灯坏了").status_code == 200
