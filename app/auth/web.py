"""The logged-in staff user of a request: signed-cookie sessions bound to a session version.

Flask keeps the session in a signed cookie, so "regenerating" it means clearing it and writing a
fresh random nonce: the cookie after login shares nothing with the one before. The cookie also
carries the user's `session_version`; logout and password changes bump it, which kills every
copy of the old cookie, wherever it was stolen to.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from app.auth.models import StaffRole, StaffUser
from app.clock import utcnow
from app.config import current_settings
from app.db import db
from app.extensions import csrf

F = TypeVar("F", bound=Callable[..., Any])
LANGUAGES = ("zh", "en")
SEEN_RESOLUTION_SECONDS = 60
SESSIONLESS = "hotline.sessionless"


class StaffSessions(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its signing serializer built once per secret key
    instead of on every request (every webhook paid for building it, cookie or not)."""

    _built: tuple[tuple[object, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]


def sessionless(app: Flask, blueprint: Blueprint) -> None:
    """`blueprint` serves machines that prove who they are in every request (a provider's
    signature, a secret in the URL, an API key, a bearer token), never with the staff session
    cookie: its requests have no staff user and need no CSRF token."""
    csrf.exempt(blueprint)
    app.extensions.setdefault(SESSIONLESS, set()).add(blueprint.name)


def load_user() -> None:
    """before_app_request: put the session's user (or None) on `g.user`.

    A session idle for HOTLINE_SESSION_IDLE_MINUTES is over: the cookie is cleared (the
    language choice stays) and the next page asks for the login again. Sessionless routes
    never read the cookie (their answers do not depend on it, so they carry no Vary: Cookie).
    """
    g.user = None
    if request.blueprint in current_app.extensions.get(SESSIONLESS, ()):
        return
    uid = session.get("uid")
    if uid is None:
        return
    now = int(utcnow().timestamp())
    idle_limit = current_settings().HOTLINE_SESSION_IDLE_MINUTES * 60
    seen = session.get("seen")
    if not isinstance(seen, int) or now - seen > idle_limit:
        _clear_keeping_language()
        return
    user = db.session.get(StaffUser, uid)
    if user is None or not user.active or session.get("sv") != user.session_version:
        session.clear()
        return
    if now - seen >= SEEN_RESOLUTION_SECONDS:  # not a new cookie on every request
        session["seen"] = now
    g.user = user


def _clear_keeping_language() -> None:
    lang = session.get("lang")
    session.clear()
    if lang in LANGUAGES:
        session["lang"] = lang


def log_in(user: StaffUser) -> None:
    session.clear()
    session["uid"] = user.id
    session["sv"] = user.session_version
    session["nonce"] = secrets.token_urlsafe(16)
    session["lang"] = user.language
    session["seen"] = int(utcnow().timestamp())


def log_out(user: StaffUser) -> None:
    """End this session and every other copy of it; only the language choice stays."""
    user.session_version += 1
    _clear_keeping_language()


def language() -> str:
    lang = session.get("lang")
    if isinstance(lang, str) and lang in LANGUAGES:
        return lang
    return g.user.language if getattr(g, "user", None) is not None else LANGUAGES[0]


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def roles_required(*roles: StaffRole) -> Callable[[F], F]:
    """Logged in and holding one of `roles`; others get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate
