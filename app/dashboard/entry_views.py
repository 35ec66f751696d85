"""The staff "new ticket" page: who is calling (looked up as the number is typed), and the
form that opens the ticket through the same intake as a text."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.auth.accounts import staff_actor
from app.auth.models import StaffRole
from app.auth.scope import sees_all_communities
from app.auth.web import roles_required
from app.categories.models import Category
from app.communities.models import Community
from app.dashboard import call_tickets, callbacks, callers
from app.dashboard.blueprint import bp
from app.dashboard.notices import notify
from app.db import db
from app.phones import InvalidPhone, dialable, normalize
from app.tickets import staff_entry
from app.voice.models import Call

ENTRY_ROLES = (StaffRole.community, StaffRole.office, StaffRole.admin)


def _call(raw: str | None) -> Call | None:
    if not raw:
        return None
    call = callbacks.call_in_scope(db.session, g.user, int(raw)) if raw.isdigit() else None
    if call is None:
        abort(404)
    return call


def _page(
    form: dict[str, str], call: Call | None, error: str = "", status: int = 200
) -> tuple[str, int]:
    session = db.session
    communities = select(Community).order_by(Community.code)
    if not sees_all_communities(g.user):
        communities = communities.where(Community.id == g.user.community_id)
    caller = callers.lookup(
        session,
        g.user,
        form.get("phone", ""),
        form.get("problem", ""),
        current_app.config["HOTLINE_REGION"],
    )
    body = render_template(
        "dashboard/new_ticket.html",
        form=form,
        call=call,
        caller=caller,
        error=error,
        communities=list(session.scalars(communities)),
        categories=list(session.scalars(select(Category).order_by(Category.position))),
        channels=staff_entry.ENTRY_CHANNELS,
        answered=call_tickets.answered_calls(session, g.user),
        max_problem=staff_entry.MAX_PROBLEM,
    )
    return body, status


def _as_dialled(typed: str) -> str:
    """A number handed over by a link, as staff would type it (138 0013 8000), not +86…."""
    region = current_app.config["HOTLINE_REGION"]
    try:
        return dialable(normalize(typed, region).e164, region)
    except InvalidPhone:
        return typed


@bp.get("/tickets/new")
@roles_required(*ENTRY_ROLES)
def new_ticket() -> tuple[str, int]:
    call = _call(request.args.get("call"))
    typed = call.caller if call is not None else request.args.get("phone", "")[:40]
    form = {"phone": _as_dialled(typed), "channel": "phone"}
    return _page(form, call)


@bp.get("/tickets/new/caller")
@roles_required(*ENTRY_ROLES)
def caller_panel() -> str:
    """The caller panel alone, for the page to refresh as the number (or problem) is typed."""
    caller = callers.lookup(
        db.session,
        g.user,
        request.args.get("phone", ""),
        request.args.get("problem", "")[: staff_entry.MAX_PROBLEM],
        current_app.config["HOTLINE_REGION"],
    )
    return render_template("dashboard/_caller.html", caller=caller)


@bp.post("/tickets/new")
@roles_required(*ENTRY_ROLES)
def create_ticket() -> Response | tuple[str, int]:
    form = {k: v[:2000] for k, v in request.form.items() if k != "csrf_token"}
    call = _call(form.get("call"))
    community = form.get("community", "")
    entry = staff_entry.Entry(
        phone=form.get("phone", ""),
        problem=form.get("problem", ""),
        channel=form.get("channel", ""),
        name=form.get("name", ""),
        community_id=int(community) if community.isdigit() else None,
        building=form.get("building", ""),
        address=form.get("address", ""),
        category=form.get("category", ""),
        urgent=form.get("urgent") == "1",
    )
    session = db.session
    try:
        entered = staff_entry.enter(
            session, g.user, staff_actor(g.user), entry, current_app.config["HOTLINE_REGION"]
        )
    except staff_entry.Refused as refused:
        session.rollback()
        return _page(form, call, refused.key, 400)
    if call is not None:
        call_tickets.ticket_made(session, g.user, call, entered.ticket)
    session.commit()
    notify("entry_done" if entered.created else "entry_added", "ok", entered.ticket.code)
    return redirect(url_for("dashboard.ticket", code=entered.ticket.code), code=303)
