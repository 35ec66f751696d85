"""The dashboard blueprint and what every page template can use."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, g
from markupsafe import Markup, escape

from app.auth.web import language
from app.dashboard.wording import translate
from app.db import db
from app.i18n import status_name

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
        "t": lambda key, **values: translate(lang, key, **values),
        "status_label": lambda status: status_name(str(status), lang),
        "problem_cell": lambda ticket: problem_cell(ticket, lang),
        "local_mode": current_app.config["SETTINGS"].local_mode,
        "user": g.get("user"),
    }


@bp.app_template_filter("local")
def local_time(moment: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    """A UTC datetime as the hotline's local wall-clock time."""
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])).strftime(pattern)


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
