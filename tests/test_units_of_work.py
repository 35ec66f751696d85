"""Every unit of work ends: after each `hotline` command nothing holds a transaction, a pooled
connection or the SQLite write lock, and reads never take that lock."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app.communities.models import Community
from app.config import PROJECT_ROOT
from app.db import EXTENSION_KEY, db
from app.messaging import outbox
from app.messaging.senders import LocalSender, Sent, TemplateUse
from app.scheduling.runner import send_outbox_once
from app.sqlite_writer import WriterConnection
from tests.support.processes import free_port

DEMO = PROJECT_ROOT / "data" / "demo"
PASSWORD = "correct horse battery staple\n"


def commands(tmp_path: Path) -> list[tuple[list[str], str | None, int]]:
    """(arguments, standard input, exit code): successes and every way a command fails."""
    bad = tmp_path / "bad.csv"
    bad.write_text("wrong,header\n1,2\n")
    return [
        (["db", "upgrade"], None, 0),
        (["seed-demo"], None, 0),
        (["seed-demo"], None, 0),
        (["import", "communities", str(DEMO / "communities.csv")], None, 0),
        (["import", "communities", str(bad)], None, 1),
        (["staff", "add", "kim", "--role", "admin", "--password-stdin"], PASSWORD, 0),
        (["staff", "add", "kim", "--role", "admin", "--password-stdin"], PASSWORD, 1),
        (["staff", "api-key", "kim"], None, 0),
        (["staff", "api-key", "nobody"], None, 1),
        (["ivr", "check"], None, 0),
        (["sms", "--port", str(free_port()), "--from", "13800138000", "灯坏了"], None, 1),
    ]


def assert_nothing_held(app: Flask) -> None:
    engine = app.extensions[EXTENSION_KEY]
    if db.session.registry.has():
        assert not db.session().in_transaction()
    assert engine.pool.checkedout() == 0
    if engine.dialect.name != "sqlite":
        return
    path = make_url(engine.url).database
    assert not WriterConnection._locks.get(path, threading.Lock()).locked()
    machine = WriterConnection.lock_file_of(path)
    if machine is not None:  # no process holds the machine's writer lock either
        probe = os.open(f"{path}-writer", os.O_RDWR)
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(probe)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # at once: no other connection is writing
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_every_command_ends_its_transaction(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    for args, stdin, code in commands(tmp_path):
        result = runner.invoke(args=args, input=stdin)
        assert result.exit_code == code, (args, result.output, result.exception)
        assert_nothing_held(app)
    with app.app_context():
        assert db.session.scalar(select(Community.id).limit(1)) is not None  # the demo stayed


def test_sms_without_a_server_says_so_in_one_line(app: Flask) -> None:
    port = free_port()
    result = app.test_cli_runner().invoke(
        args=["sms", "--port", str(port), "--from", "13800138000", "灯坏了"]
    )
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert result.output.startswith(f"error: no answer from http://127.0.0.1:{port}/twilio/sms")
    assert "Traceback" not in result.output


def test_a_failed_write_unit_rolls_back_and_releases(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(RuntimeError), db.unit_of_work(writes=True) as session:
            session.add(Community(code="gone", name="不留", name_en="Not kept"))
            session.flush()
            raise RuntimeError("the command failed")
        assert_nothing_held(app)
        assert db.session.scalar(select(Community).where(Community.code == "gone")) is None


def test_units_do_not_nest(app: Flask) -> None:
    with (
        app.app_context(),
        db.unit_of_work(writes=False),
        pytest.raises(RuntimeError, match="already open"),
        db.unit_of_work(writes=True),
    ):
        pass


def test_a_read_does_not_take_the_write_lock(app: Flask) -> None:
    """A read unit left open (the serve main thread once kept one for its whole life) does
    not stop a writer; on SQLite it is a deferred BEGIN."""
    with app.app_context(), db.unit_of_work(writes=False) as session:
        session.execute(text("SELECT count(*) FROM categories"))
        assert session.in_transaction()
        if db.is_sqlite:
            path = make_url(db.engine.url).database
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other.close()
    assert_nothing_held(app)


class WatchingSender(LocalSender):
    """The local provider, noting how many database connections the worker holds while a text
    is on the wire (a provider call can take seconds; a held connection is an open transaction,
    on SQLite the write lock)."""

    def __init__(self, app: Flask) -> None:
        self.pool = app.extensions[EXTENSION_KEY].pool
        self.connections_held: list[int] = []

    def send_sms(
        self, to: str, body: str, status_callback: str, template: TemplateUse | None = None
    ) -> Sent:
        self.connections_held.append(self.pool.checkedout())
        return super().send_sms(to, body, status_callback, template)


def test_no_transaction_is_open_while_the_provider_is_called(app: Flask) -> None:
    with app.app_context():
        outbox.queue_sms(db.session, "+8613800138000", outbox.Text("help", "zh"))
        db.session.commit()
        db.session.remove()
    sender = WatchingSender(app)
    assert send_outbox_once(app, sender).sent == 1
    assert sender.connections_held == [0]
    assert_nothing_held(app)
