"""Run, stop, run again: the real `hotline serve` and `hotline worker` on one database keep
answering after a restart (texts, calls, the dashboard) and the worker keeps sending.

Before the unit-of-work design, the second start kept a transaction (and the writer lock) open
in the serve main thread: /healthz waited 30 s and answered 500, every text timed out.
"""

from __future__ import annotations

import re
import secrets
import signal
import sqlite3
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, make_url, text

from tests.support.live import (
    ANSWER_SECONDS,
    AUTH_TOKEN,
    sent_messages,
    signed,
    text_line,
    wait_for_sent,
)
from tests.support.processes import Hotline, free_port, hotline_env

SWEEP_SECONDS = 30
DEMO_ADMIN = re.compile(r"demo admin: admin / (\S+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")  # the ticket code in either language


@pytest.fixture(params=["fresh_sqlite", "suite_database"])
def url(request: pytest.FixtureRequest, tmp_path: Path, app, database_url: str) -> str:
    """A brand-new SQLite file, and the suite's database (PostgreSQL when DATABASE_URL is set;
    `app` migrated it, and its tables are emptied after the test)."""
    if request.param == "fresh_sqlite":
        return f"sqlite:///{tmp_path / 'restart.db'}"
    return database_url


def call_line(base: str, caller: str) -> requests.Response:
    form = {
        "CallSid": "CA" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": caller,
        "To": "580",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    return signed(base, "/twilio/voice", form)


def log_in(base: str, password: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=ANSWER_SECONDS)
    assert page.status_code == 200
    token = CSRF.search(page.text)
    assert token, page.text
    answer = browser.post(
        base + "/login",
        data={"username": "admin", "password": password, "csrf_token": token.group(1)},
        timeout=ANSWER_SECONDS,
    )
    assert answer.status_code == 200 and "/login" not in answer.url, answer.text
    return browser


def assert_another_process_can_write(url: str) -> None:
    """The serving process keeps no transaction open: an outside writer gets the SQLite write
    lock as soon as the worker thread's short units let it (before: never)."""
    database = make_url(url)
    if database.get_backend_name() != "sqlite":
        return
    other = sqlite3.connect(database.database, timeout=ANSWER_SECONDS, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def wait_for_sweeps(url: str, process: Hotline) -> None:
    """`process` holds the sweep lease: the stopped process handed it back (polled, bounded
    well under the lease's 60 s, which is how long a lease that was not handed back lasts)."""
    assert process.popen is not None
    mine = f":{process.popen.pid}:"
    deadline = time.monotonic() + SWEEP_SECONDS
    while True:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                holder = conn.scalar(text("SELECT holder FROM leases WHERE name = 'sweeps'"))
        finally:
            engine.dispose()
        if holder and mine in holder:
            return
        assert time.monotonic() < deadline, f"sweeps held by {holder}:\n{process.output()}"
        time.sleep(0.2)


@pytest.mark.slow
def test_the_line_answers_after_a_restart(url: str, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hotline_env(url, port, AUTH_TOKEN)
    log = tmp_path / "hotline.log"

    first = Hotline(["serve", "--with-worker", "--port", str(port)], env, log).start()
    first.wait_healthy(base)
    reply = text_line(base, "13800138000", "楼道灯坏了，三楼")
    assert reply.status_code == 200 and CODE.search(reply.text), reply.text
    first.stop(signal.SIGINT)  # Ctrl-C in the terminal that ran `make run`
    password = DEMO_ADMIN.search(first.output())
    assert password, first.output()

    second = Hotline(["serve", "--with-worker", "--port", str(port)], env, log).start()
    try:
        second.wait_healthy(base)
        started = time.monotonic()
        health = requests.get(base + "/healthz", timeout=ANSWER_SECONDS)
        assert health.status_code == 200
        assert time.monotonic() - started < ANSWER_SECONDS
        assert_another_process_can_write(url)
        wait_for_sweeps(url, second)
        reply = text_line(base, "13800138001", "厨房水管漏水")
        assert reply.status_code == 200, reply.text
        code = CODE.search(reply.text)
        assert code, reply.text
    finally:
        second.stop(signal.SIGTERM)
    assert "demo admin" not in second.output().split("580 Hotline on")[-1]

    # Third start as scale-out runs it: web and worker as separate processes.
    web = Hotline(["serve", "--port", str(port)], env, log).start()
    worker = Hotline(["worker"], env, tmp_path / "worker.log").start()
    try:
        web.wait_healthy(base)
        before = sent_messages(url)
        reply = text_line(base, "13800138002", "电视没有图像了")
        assert reply.status_code == 200 and CODE.search(reply.text), reply.text
        wait_for_sent(url, before, worker)
        wait_for_sweeps(url, worker)
        voice = call_line(base, "+862368000001")
        assert voice.status_code == 200, voice.text
        assert voice.headers["Content-Type"].startswith("text/xml")
        assert "<Response>" in voice.text and "<Gather" in voice.text
        queue = log_in(base, password.group(1)).get(base + "/dashboard/", timeout=ANSWER_SECONDS)
        assert queue.status_code == 200
        assert code.group(1) in queue.text
    finally:
        web.stop(signal.SIGTERM)
        assert worker.stop(signal.SIGTERM) == 0, worker.output()


def test_serve_with_a_provider_account_seeds_no_demo_data(tmp_path: Path) -> None:
    """Demo residents, volunteers and logins belong to local mode only: with provider
    credentials, `hotline serve` migrates an empty database and leaves it empty."""
    port = free_port()
    url = f"sqlite:///{tmp_path / 'provider.db'}"
    env = hotline_env(
        url,
        port,
        AUTH_TOKEN,
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_API_BASE_URL="http://127.0.0.1:9",  # never called: no worker runs here
    )
    web = Hotline(["serve", "--port", str(port)], env, tmp_path / "serve.log").start()
    try:
        web.wait_healthy(f"http://127.0.0.1:{port}")
    finally:
        web.stop(signal.SIGTERM)
    assert "demo" not in web.output()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM communities")) == 0
            assert conn.scalar(text("SELECT count(*) FROM staff_users")) == 0
            assert conn.scalar(text("SELECT count(*) FROM categories")) > 0  # shipped data
    finally:
        engine.dispose()
