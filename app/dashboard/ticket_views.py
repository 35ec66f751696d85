"""The queue, a ticket's page and the staff actions on it."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.auth.accounts import staff_actor
from app.auth.scope import sees_all_communities, ticket_in_scope
from app.auth.web import login_required
from app.categories.models import Category
from app.clock import utcnow
from app.communities.models import Community
from app.dashboard import queries
from app.dashboard.blueprint import bp
from app.dashboard.timeline import timeline
from app.db import db
from app.tickets import staff_actions
from app.tickets.lifecycle import Actor, IllegalTransition, Move, can
from app.tickets.models import ACTIVE_STATUSES, Channel, Ticket, TicketStatus

POLL_SECONDS = 5


@bp.get("/")
@login_required
def queue() -> str:
    filters = queries.QueueFilters.parse(request.args)
    session = db.session
    communities = (
        list(session.scalars(select(Community).order_by(Community.code)))
        if sees_all_communities(g.user)
        else []
    )
    return render_template(
        "dashboard/queue.html",
        filters=filters,
        communities=communities,
        categories=list(session.scalars(select(Category).order_by(Category.position))),
        statuses=[s for s in TicketStatus if s in ACTIVE_STATUSES],
        channels=list(Channel),
        poll_seconds=POLL_SECONDS,
        **_queue_rows(filters),
    )


@bp.get("/queue/rows")
@login_required
def queue_rows() -> str:
    """The queue's table body alone: the page polls this to update without a reload."""
    return render_template(
        "dashboard/_queue_rows.html", **_queue_rows(queries.QueueFilters.parse(request.args))
    )


def _queue_rows(filters: queries.QueueFilters) -> dict[str, object]:
    tickets = queries.queue(db.session, g.user, filters, current_app.config["HOTLINE_REGION"])
    now = utcnow()
    return {"rows": [(t, queries.time_left(t, now)) for t in tickets], "limit": queries.QUEUE_LIMIT}


def _ticket_or_404(code: str) -> Ticket:
    ticket = ticket_in_scope(db.session, g.user, code)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/tickets/<code>")
@login_required
def ticket(code: str) -> str:
    found = _ticket_or_404(code)
    session = db.session
    return render_template(
        "dashboard/ticket.html",
        ticket=found,
        entries=timeline(session, found),
        time_left=queries.time_left(found, utcnow()),
        moves={move.value: can(found, move) for move in Move},
        volunteers=queries.volunteers_for(session, found) if can(found, Move.assign) else [],
        max_text=staff_actions.MAX_TEXT_LENGTH,
    )


Action = Callable[[Session, Ticket, Actor, dict[str, str]], None]


def _assign(session: Session, ticket: Ticket, actor: Actor, form: dict[str, str]) -> None:
    choice = form.get("volunteer_id", "")
    allowed = {v.id: v for v in queries.volunteers_for(session, ticket)}
    volunteer = allowed.get(int(choice)) if choice.isdigit() else None
    if volunteer is None:
        raise staff_actions.ActionRefused("no such volunteer")
    staff_actions.assign_volunteer(session, ticket, actor, volunteer)


ACTIONS: dict[str, Action] = {
    "note": lambda s, t, a, f: staff_actions.add_note(s, t, a, f.get("text", "")),
    "text": lambda s, t, a, f: staff_actions.text_resident(s, t, a, f.get("text", "")),
    "cancel": lambda s, t, a, f: staff_actions.cancel(s, t, a, f.get("reason", "")),
    "resolve": lambda s, t, a, f: staff_actions.resolve(s, t, a, f.get("reason", "")),
    "close": lambda s, t, a, f: staff_actions.close(s, t, a, f.get("reason", "")),
    "reopen": lambda s, t, a, f: staff_actions.reopen(s, t, a, f.get("reason", "")),
    "assign": _assign,
}


@bp.post("/tickets/<code>/<action>")
@login_required
def act(code: str, action: str) -> Response:
    run = ACTIONS.get(action)
    if run is None:
        abort(404)
    found = _ticket_or_404(code)
    session = db.session
    try:
        run(session, found, staff_actor(g.user), request.form.to_dict())
    except (IllegalTransition, staff_actions.ActionRefused) as refused:
        session.rollback()
        flash(("action_refused", str(refused)), "error")
    else:
        session.commit()
        flash(("action_done", ""), "ok")
    return redirect(url_for("dashboard.ticket", code=code), code=303)
