"""Missed calls and call-back requests: the list, and "called back" (a POST; GET only shows)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth.scope import ticket_in_scope
from app.auth.web import roles_required
from app.dashboard import callbacks
from app.dashboard.blueprint import bp
from app.dashboard.people_views import ROSTER_ROLES
from app.db import db


@bp.get("/callbacks")
@roles_required(*ROSTER_ROLES)
def callback_list() -> str:
    return render_template("dashboard/callbacks.html", work=callbacks.worklist(db.session, g.user))


@bp.post("/callbacks/<any(call, ticket):kind>/<key>")
@roles_required(*ROSTER_ROLES)
def called_back(kind: str, key: str) -> Response:
    session = db.session
    note = request.form.get("note", "")
    if kind == "call":
        call = callbacks.call_in_scope(session, g.user, int(key)) if key.isdigit() else None
        if call is None:
            abort(404)
        recorded = callbacks.called_back(session, g.user, note, call=call)
    else:
        ticket = ticket_in_scope(session, g.user, key)
        if ticket is None or not ticket.callback_requested:
            abort(404)
        recorded = callbacks.called_back(session, g.user, note, ticket=ticket)
    session.commit()
    flash(("done_called_back", {}) if recorded else ("already_called_back", {}), "ok")
    return redirect(url_for("dashboard.callback_list"), code=303)
