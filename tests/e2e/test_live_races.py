"""The races as production has them: gunicorn with four worker processes on the suite's
database (PostgreSQL when DATABASE_URL is set), hit by many HTTP clients at the same instant.

Each client is its own `requests` session (its cookies, its CSRF token), as browsers are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from app.auth import throttle
from app.db import db
from app.messaging.models import Message
from app.tickets.models import EventKind, TicketEvent
from tests.support.crowd import together
from tests.support.processes import GUNICORN, Hotline, free_port, hotline_env
from tests.support.staff import staff
from tests.support.texting import text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import RESIDENT, offers

AUTH_TOKEN = "live-races-auth-token-0123456789"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECONDS = 60  # a generous answer time on a loaded 2-core machine


@pytest.fixture
def server(app, database_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hotline_env(database_url, port, AUTH_TOKEN)
    args = ["-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "120", "app:create_app()"]
    process = Hotline(args, env, tmp_path / "gunicorn.log", program=GUNICORN).start()
    process.wait_healthy(base)
    yield base
    process.stop()


def posts_at_once(count: int, url: str, form: dict[str, str]) -> list[requests.Response]:
    """`count` browsers open `url`, then all post `form` with their own token together."""
    browsers = [requests.Session() for _ in range(count)]
    tokens: dict[int, str] = {}

    def open_page(n: int) -> None:
        page = browsers[n].get(url, timeout=SECONDS)
        match = CSRF.search(page.text)
        assert page.status_code == 200 and match, page.status_code
        tokens[n] = match[1]

    def post(n: int) -> requests.Response:
        data = {**form, "csrf_token": tokens[n]}
        return browsers[n].post(url, data=data, timeout=SECONDS, allow_redirects=False)

    return together(count, post, open_page)


def test_sixty_wrong_passwords_against_four_workers(server, ctx):
    staff("admin")
    db.session.remove()

    answers = posts_at_once(60, server + "/login", {"username": "admin", "password": "wrong!!"})

    statuses = sorted(r.status_code for r in answers)
    assert max(statuses) < 500, statuses
    assert statuses.count(401) <= throttle.PAIR_ATTEMPTS
    assert set(statuses) == {401, 429}


def test_twelve_accepts_on_one_offer_link_against_four_workers(server, client, ctx):
    home = f.community()
    f.resident(home)
    f.volunteer(1, home)
    text_line(client, RESIDENT, "洗衣机坏了")
    link = server + f"/o/{offers()[0].token}"
    db.session.remove()

    answers = posts_at_once(12, link, {"answer": "accept"})

    assert [r.status_code for r in answers] == [200] * 12
    assert sum("王奶奶" in r.text for r in answers) == 1
    assert all(r.headers["Cache-Control"] == "no-store" for r in answers)
    won = db.session.scalar(select(func.count()).where(Message.template == "offer_won"))
    assigned = db.session.scalar(select(func.count()).where(TicketEvent.kind == EventKind.assign))
    assert (won, assigned) == (1, 1)
