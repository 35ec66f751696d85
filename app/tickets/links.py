"""Links in texts to pages that act on a ticket (a survey, a liaison's answer).

A link's token is its only credential: 128 random bits, stored with an expiry, used once. Links
can be switched off (HOTLINE_LINKS_ENABLED) where carriers refuse URLs in SMS; every action a link
offers also works by reply.
"""

from __future__ import annotations

import secrets

from flask import Response, render_template

from app.config import current_settings

TOKEN_BYTES = 16  # 128 bits; token_urlsafe gives 22 characters


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def links_enabled() -> bool:
    return bool(current_settings().HOTLINE_LINKS_ENABLED)


def public_url(path: str) -> str:
    return f"{current_settings().PUBLIC_BASE_URL}{path}"


def call_url(flow: str, ticket_code: str) -> str:
    """Where an outbound call about a ticket runs ``flow`` from (Twilio fetches it; a domestic
    gateway reads the flow's name and plays that registered prompt)."""
    return public_url(f"/twilio/voice/outbound/{flow}?ticket={ticket_code}")


def gone() -> tuple[str, int]:
    """The page for an unknown, expired or used link (410: it will not come back)."""
    return render_template("public/gone.html"), 410


def keep_private(response: Response) -> Response:
    """Pages behind a token: never cached, and the token never leaks in a Referer header."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
