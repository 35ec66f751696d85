"""The dashboard blueprint and what every page template can use."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, g
from markupsafe import Markup, escape
from sqlalchemy import select

from app.auth.web import language
from app.categories.models import Category
from app.db import db
from app.i18n import UnknownMessage, status_name
from app.i18n import text as translate
from app.phones import dialable, is_e164
from app.reports.figures import rate_text, rate_whole
from app.tickets.models import Ticket, TicketStatus
from app.volunteers.availability import Availability, DaySpelling

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

_Row = TypeVar("_Row")
_URL = re.compile(r"https?://[^\s<>\"'，。；）]+")


def found_or_404(model: type[_Row], key: int) -> _Row:
    """The row of `model` with primary key `key`, else a 404 answer."""
    row = db.session.get(model, key)
    if row is None:
        abort(404)
    return row


@bp.app_context_processor
def page_helpers() -> dict[str, Any]:
    lang = language()
    return {
        "lang": lang,
        "t": lambda key, **values: page_words(lang, key, **values),
        "flash_words": lambda message: flash_words(lang, message),
        "status_label": lambda status: status_name(str(status), lang),
        "ticket_state": lambda ticket: ticket_state(ticket, lang),
        "problem_cell": lambda ticket: problem_cell(ticket, lang),
        "local_mode": current_app.config["SETTINGS"].local_mode,
        "user": g.get("user"),
        "rate_text": rate_text,
        "rate_whole": rate_whole,
    }


def ticket_state(ticket: Ticket, lang: str) -> str:
    """The ticket's status in words; a report merged into another says so (its status is
    cancelled, which would read as withdrawn)."""
    if ticket.status is TicketStatus.cancelled and ticket.parent_id is not None:
        return translate(lang, "state_merged")
    return status_name(ticket.status.value, lang)


def page_words(lang: str, key: str, **values: Any) -> str:
    """A template's words. A key the catalog lacks fails under test (the wording tests find
    them); in service the page still renders, showing the key, and the gap is logged."""
    try:
        return translate(lang, key, **values)
    except UnknownMessage:
        if current_app.testing:
            raise
        current_app.logger.warning("no words for %r", key)
        return key


def flash_words(lang: str, message: tuple[str, object]) -> str:
    """A flashed (key, values) pair as a sentence: what happened, in the staff's language.

    Values that are themselves words (an action's name, a status) are translated first.
    """
    key, values = message
    if not isinstance(values, dict):  # (key, detail): a detail that is not words, e.g. a count
        text = translate(lang, key)
        return f"{text}: {values}" if values else text
    words = dict(values)
    if "action" in words:
        words["action"] = translate(lang, f"action_{words['action']}")
    if "status" in words:
        words["status"] = status_name(str(words["status"]), lang)
    return translate(lang, key, **words)


@bp.app_template_filter("local")
def local_time(moment: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    """A UTC datetime as the hotline's local wall-clock time."""
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])).strftime(pattern)


@bp.app_template_filter("dial")
def dial(number: str | None) -> str:
    """A stored number as staff dial it from here: 138 0013 8000, 023 6123 4567."""
    if not number:
        return "—"
    return dialable(number, current_app.config["HOTLINE_REGION"]) if is_e164(number) else number


@bp.app_template_filter("weekly")
def weekly(windows: list[dict[str, str]] | None) -> str:
    """Stored weekly windows in the staff's words: 周一至周五 08:30-12:00 / Mon–Fri 08:30-12:00."""
    lang = language()
    spelling = DaySpelling(
        days=tuple(translate(lang, f"day_{day}") for day in range(7)),
        always=translate(lang, "any_time"),
        through=translate(lang, "days_through"),
        between_days=translate(lang, "days_and"),
        between_clauses=translate(lang, "clauses_and"),
    )
    return Availability.from_json(windows or []).to_text(spelling)


@bp.app_template_filter("skills")
def skill_names(codes: list[str] | None) -> str:
    """Skill codes (the category codes) as the categories' names in the staff's language."""
    lang = language()
    if "category_names" not in g:
        g.category_names = {c.code: c for c in db.session.scalars(select(Category))}
    names = [
        g.category_names[c].display_name(lang) if c in g.category_names else c for c in codes or []
    ]
    return translate(lang, "days_and").join(names) or "—"


# Why a message was not sent, as the app records it, and the words staff read instead.
NOT_SENT_WORDS = {
    "opted out": "why_opted_out",
    "landline cannot receive SMS": "why_landline",
    "no resident phone to ask": "why_no_phone",
}


@bp.app_template_filter("why_not_sent")
def why_not_sent(reason: str) -> str:
    """A recorded reason as words; a provider's own error is shown as the provider gave it."""
    key = NOT_SENT_WORDS.get(reason.strip())
    lang = language()
    return translate(lang, key) if key else translate(lang, "why_provider", error=reason)


@bp.app_template_filter("mmss")
def minutes_seconds(seconds: int | None) -> str:
    """A recording's length as a phone shows it: 0:12, 2:05 ("?" when not yet known)."""
    if seconds is None:
        return "?"
    return f"{seconds // 60}:{seconds % 60:02d}"


def problem_cell(ticket: Any, lang: str) -> str:
    """What stands for a ticket's problem when it has no words: its recording, never nothing."""
    if ticket.recording_url:
        return translate(lang, "recording_length", length=minutes_seconds(ticket.recording_seconds))
    return translate(lang, "no_words")


@bp.app_template_filter("linkify")
def linkify(text: str) -> Markup:
    """Escape `text`, then make the http(s) links in it clickable (simulator, outbox)."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        parts.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        parts.append(Markup('<a href="{0}" target="_blank" rel="noopener">{0}</a>').format(url))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
