"""Login, logout and the language toggle."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from app.auth import web
from app.auth.accounts import authenticate
from app.db import db

bp = Blueprint("auth", __name__, template_folder="templates")
bp.before_app_request(web.load_user)


@bp.route("/login", methods=["GET", "POST"])
def login() -> tuple[str, int] | Response:
    error = None
    if request.method == "POST":
        result = authenticate(
            db.session,
            request.form.get("username", "")[:60],
            request.form.get("password", "")[:200],
            request.remote_addr or "unknown",
        )
        db.session.commit()
        if result.user is not None:
            web.log_in(result.user)
            return redirect(_safe_next(request.args.get("next")))
        if result.locked:  # not checked: say when to try again
            page = render_template("auth/login.html", error="login_locked", minutes=result.minutes)
            seconds = str(max(1, int(result.wait.total_seconds())))
            return Response(page, 429, {"Retry-After": seconds})
        error = "login_failed"
    return render_template("auth/login.html", error=error), 401 if error else 200


@bp.post("/logout")
@web.login_required
def logout() -> Response:
    web.log_out(g.user)
    db.session.commit()
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language() -> Response:
    lang = request.form.get("lang", "")
    if lang in web.LANGUAGES:
        session["lang"] = lang
        if g.user is not None:
            g.user.language = lang
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login is a phishing tool."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("dashboard.queue")
