"""What every scenario needs: a fresh database, the app's processes, the provider double, checks.

Processes are the real entry points (gunicorn `app:create_app()`, `hotline worker`) with their
configuration in the environment, exactly as deployed; only the provider is local.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import create_engine, make_url, text

import app.models  # noqa: F401  (complete metadata, so drop_all sees every table)
from app import create_app
from app.cli import prepare_database
from app.db import EXTENSION_KEY, Base, db
from bench import servers
from tests.support.twilio_double import TwilioDouble

LOGS = Path(tempfile.gettempdir()) / "hotline-chaos"
FROM_NUMBER = "+8658000000"


class ScenarioFailed(AssertionError):
    """A check did not hold; the message says which and by how much."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioFailed(message)


@dataclass
class Report:
    """What a scenario measured, printed under its PASS/FAIL line."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def with_application_name(url: str, name: str) -> str:
    """Lets pg_stat_activity tell which process holds a transaction."""
    parsed = make_url(url)
    query = {**parsed.query, "application_name": name}
    return parsed.set(query=query).render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """CREATE DATABASE if it does not exist (for scenarios that change database settings)."""
    parsed = make_url(url)
    admin = create_engine(with_database(url, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def fresh_app(url: str, **config: Any) -> Flask:
    """An app on `url` with every table dropped and the schema and categories rebuilt."""
    flask_app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "chaos-secret-0123456789abcdef-0123456789", **config}
    )
    with flask_app.app_context():
        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        prepare_database()
        db.session.remove()
    return flask_app


def close(flask_app: Flask) -> None:
    with flask_app.app_context():
        db.session.remove()
    flask_app.extensions[EXTENSION_KEY].dispose()


def scalar(flask_app: Flask, sql: str, **params: Any) -> Any:
    with flask_app.app_context():
        try:
            return db.session.scalar(text(sql), params)
        finally:
            db.session.remove()


def rows(flask_app: Flask, sql: str, **params: Any) -> list[Any]:
    with flask_app.app_context():
        try:
            return list(db.session.execute(text(sql), params))
        finally:
            db.session.remove()


def awake_window() -> str:
    """Quiet hours (no surveys) set to one minute half a day away: the sweeps work now."""
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(hours=12)
    return f"{local:%H:%M}-{local + timedelta(minutes=1):%H:%M}"


def provider_env(url: str, double: TwilioDouble, port: int = 0, **extra: str) -> dict[str, str]:
    """Environment of a web or worker process sending through the double."""
    env = servers.app_env(url, port)
    env.update(
        TWILIO_ACCOUNT_SID=double.account_sid,
        TWILIO_AUTH_TOKEN=double.auth_token,
        TWILIO_API_BASE_URL=double.base_url,
        TWILIO_PHONE_NUMBER=FROM_NUMBER,
        HOTLINE_QUIET_HOURS=awake_window(),
        **extra,
    )
    return env


def provider_double() -> TwilioDouble:
    """The REST double, signing with the same token the benchmarks' webhooks use."""
    return TwilioDouble(auth_token=servers.AUTH_TOKEN).start()


class Process:
    """One real process (a worker, a gunicorn master) with its output kept in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log = LOGS / f"{name}.log"
        self.command, self.env = command, env
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command, env=self.env, cwd=servers.ROOT, stdout=out, stderr=out
            )
        return self

    def kill(self) -> None:
        """kill -9: no signal handler, no cleanup, no lease released."""
        if self.popen is not None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def worker(name: str, env: dict[str, str]) -> Process:
    return Process(name, [str(servers.BIN / "hotline"), "worker"], env)


@contextlib.contextmanager
def web(url: str, double: TwilioDouble, workers: int = 4, **extra: str) -> Iterator[str]:
    """gunicorn with `workers` sync workers on `app:create_app()`; yields its base URL."""
    port = servers.free_port()
    env = provider_env(url, double, port, **extra)
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / "web.log"
    with servers.gunicorn("app:create_app()", env, port, workers, log=log) as base:
        yield base


def wait_for(check: Callable[[], bool], seconds: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()
