"""Every dashboard page, in Chinese and in English, speaks words: no codes staff cannot read.

A busy day is made through the app's own paths (every event kind, calls through the IVR, the
outbox with suppressed texts), then an admin crawls every dashboard link in both languages. The
text a person sees (text nodes, placeholders, tooltips, labels) must hold no snake_case
identifiers, no arrows between flow nodes, no +86 numbers, and on the Chinese page no English
enum values, skill codes or English availability.
"""

from __future__ import annotations

import re
from enum import StrEnum
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.auth.models import StaffUser
from app.categories.models import Category
from app.db import db
from app.ivr.flows import load_flows
from app.residents.models import Resident
from app.voice.setup import DEFAULT_FLOWS_DIR
from app.volunteers.models import Volunteer
from tests.support.showcase import busy_day
from tests.support.staff import log_in

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ARROW = re.compile(r"\b(\w+)\s*(?:→|->)\s*(\w+)\b")
URL = re.compile(r"https?://\S+")
E164 = re.compile(r"\+\d{7,15}\b")
LATIN_WORD = re.compile(r"\b[A-Za-z]{2,}(?:-[A-Za-z]+)*\b")
WEEKDAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "daily", "always"}
# Latin words a Chinese page may show: product names, the language switch, data people typed.
ZH_ALLOWED = {"English", "Open311", "CSV", "SMS", "UTF", "admin", "office", "Polly"}
SKIP = ("/dashboard/static/", "/logout", ".csv", "/export", "/print")
MAX_PAGES = 120


class VisibleText(HTMLParser):
    """The words of a page as a person meets them, and the dashboard links on it."""

    ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code"):  # <code>: a file or command, shown as such
            self._hidden += 1
        values = dict(attrs)
        self.parts += [values[name] or "" for name in self.ATTRIBUTES if values.get(name)]
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def enum_values() -> set[str]:
    """Every value of every StrEnum the app defines (statuses, kinds, channels, roles...)."""
    import app  # noqa: F401  (the models are imported by the factory)

    found: set[str] = set()
    stack = list(StrEnum.__subclasses__())
    while stack:
        enum = stack.pop()
        stack += enum.__subclasses__()
        if enum.__module__.startswith("app."):
            found |= {str(member.value) for member in enum}
    return found


def node_ids() -> set[str]:
    return {node for flow in load_flows(DEFAULT_FLOWS_DIR).values() for node in flow.nodes}


def problems(text: str, language: str, codes: set[str], allowed: set[str]) -> list[str]:
    text = URL.sub(" ", text)  # links in texts are links
    found = [f"snake_case {m}" for m in SNAKE.findall(text)]
    nodes = node_ids()
    found += [f"node path {a} → {b}" for a, b in ARROW.findall(text) if {a, b} <= nodes]
    found += [f"E.164 number {m}" for m in E164.findall(text)]
    if language == "zh":
        for word in LATIN_WORD.findall(text):
            if word in codes or word in WEEKDAYS:
                found.append(f"code {word}")
            elif word not in ZH_ALLOWED | allowed:
                found.append(f"English {word}")
    return found


def crawl(client: FlaskClient, start: list[str]) -> dict[str, VisibleText]:
    seen: dict[str, VisibleText] = {}
    todo = list(start)
    while todo and len(seen) < MAX_PAGES:
        url = urldefrag(todo.pop(0))[0]
        if url in seen or not url.startswith("/dashboard") or any(s in url for s in SKIP):
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if "text/html" not in response.content_type:
            continue
        page = VisibleText()
        page.feed(response.get_data(as_text=True))
        seen[url] = page
        todo += [_local(link) for link in page.links]
    return seen


def _local(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "") if not parts.netloc else ""


@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_page_shows_a_raw_identifier(client, ctx, clock, language):
    day = busy_day(client)
    db.session.execute(update(StaffUser).values(language=language))
    db.session.commit()
    usernames = set(db.session.scalars(select(StaffUser.username)))  # data, shown as typed
    people = [
        *db.session.scalars(select(Volunteer.name)),
        *db.session.scalars(select(Resident.name)),
    ]
    prompts = [
        prompt.get("zh", "")
        for flow in load_flows(DEFAULT_FLOWS_DIR).values()
        for node in flow.nodes.values()
        for prompt in node.prompts().values()
    ]
    said = set(LATIN_WORD.findall(" ".join(people + prompts)))  # names, and what the line says
    codes = (enum_values() | set(db.session.scalars(select(Category.code)))) - usernames - said
    log_in(client, "office")
    office_pages = crawl(client, ["/dashboard/"])
    log_in(client, "admin")
    extra = [
        f"/dashboard/tickets/{t.code}"
        for t in (day.texted, day.called, day.every_event, day.merged)
    ]
    pages = {
        **office_pages,
        **crawl(client, ["/dashboard/", *extra, "/dashboard/simulator?phone=13800138000"]),
    }

    assert len(pages) >= 15, sorted(pages)  # the crawl really went round the dashboard
    for url in extra:
        assert url in pages
    found = {
        url: problems(page.text, language, codes, usernames | said) for url, page in pages.items()
    }
    bad = {url: sorted(set(p)) for url, p in found.items() if p}
    assert bad == {}, "\n".join(f"{url}: {p}" for url, p in sorted(bad.items()))
