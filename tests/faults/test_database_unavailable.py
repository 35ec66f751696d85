"""A database that cannot write (read-only, gone): webhooks answer 503 at once and store nothing.

The read-only database is real: SQLite opened with ``mode=ro``, PostgreSQL with
``default_transaction_read_only`` for the app's connections. Twilio retries a 503 (or uses the
number's fallback URL), so the text is not lost; it must not be acknowledged either.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.db import EXTENSION_KEY, db
from app.health import database_unavailable
from app.messaging.models import Message
from app.tickets.models import Ticket
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support.texting import text_line

pytestmark = pytest.mark.faults

FAST_SECONDS = 2.0


def read_only_url(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    options = "-c default_transaction_read_only=on"
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


def unreachable_url(database_url: str, tmp_path) -> str:
    if make_url(database_url).get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path}/no/such/dir/hotline.db"
    return "postgresql+psycopg://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1


def app_on(url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-0123456789abcdef-0123456789",
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        }
    )


@pytest.fixture
def broken(request, app, database_url, tmp_path) -> Iterator[Flask]:
    url = {"read-only": read_only_url, "unreachable": unreachable_url}[request.param]
    other = app_on(
        url(database_url, tmp_path) if request.param == "unreachable" else url(database_url)
    )
    yield other
    other.extensions[EXTENSION_KEY].dispose()


def stored(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Message)),
            db.session.scalar(select(func.count()).select_from(Ticket)),
        )


@pytest.mark.parametrize("broken", ["read-only", "unreachable"], indirect=True)
def test_a_text_is_refused_with_503_quickly_and_nothing_is_stored(app, broken):
    started = time.monotonic()
    response = text_line(broken.test_client(), "13800138000", "楼道灯不亮了")

    assert response.status_code == 503
    assert time.monotonic() - started < FAST_SECONDS
    assert response.headers["Retry-After"].isdigit()
    assert "Service temporarily unavailable" in response.get_data(as_text=True)
    assert stored(app) == (0, 0)


@pytest.mark.parametrize("broken", ["unreachable"], indirect=True)
def test_health_check_says_503_without_a_database(broken):
    assert broken.test_client().get("/healthz").status_code == 503


def test_the_same_text_is_taken_once_the_database_writes_again(app, client, database_url):
    """Twilio's retry after the 503 carries the same MessageSid: it is stored then, once."""
    read_only = app_on(read_only_url(database_url))
    try:
        refused = text_line(
            read_only.test_client(), "13800138000", "楼道灯不亮了", sid="SM" + "7" * 32
        )
    finally:
        read_only.extensions[EXTENSION_KEY].dispose()
    taken = text_line(client, "13800138000", "楼道灯不亮了", sid="SM" + "7" * 32)

    assert (refused.status_code, taken.status_code) == (503, 200)
    assert stored(app) == (2, 1)  # the text and its reply, one ticket


def test_a_wrong_statement_is_not_mistaken_for_an_unavailable_database(ctx):
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("SELECT no_such_column FROM tickets"))
    db.session.rollback()
    assert not database_unavailable(caught.value)
