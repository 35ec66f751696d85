"""A ticket's page and the staff actions on it."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.auth.accounts import staff_actor
from app.auth.models import StaffRole, StaffUser
from app.auth.scope import ticket_in_scope
from app.auth.web import language, login_required
from app.bad_input import whole_number
from app.categories.models import Category
from app.clock import utcnow
from app.communities.models import Department
from app.dashboard import queries
from app.dashboard.blueprint import bp
from app.dashboard.notices import notify
from app.dashboard.timeline import KINDS, folded, timeline
from app.db import db
from app.surveys.models import FollowUp, Rating
from app.tickets import recording_summary, routing, staff_actions
from app.tickets.lifecycle import Actor, IllegalTransition, Move, can
from app.tickets.models import Ticket
from app.volunteers import hand_picking, staff_dispatch
from app.volunteers.dispatch import STARTABLE


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
    may = set(actions_for(g.user))
    categories = list(session.scalars(select(Category).order_by(Category.position)))
    units = routing.street_units(session, found) if can(found, Move.escalate) else []
    return render_template(
        "dashboard/ticket.html",
        ticket=found,
        blocks=folded(timeline(session, found)),
        timeline_kinds=KINDS,
        time_left=queries.time_left(found, utcnow()),
        moves={move.value: can(found, move) for move in Move},
        may_act=lambda action: action in may,
        choices=hand_picking.choices(session, found) if can(found, Move.assign) else [],
        units=units,
        no_unit=can(found, Move.escalate)
        and not any(u.handles(found.category_code) for u in units)
        and routing.handled_elsewhere(session, found),
        street_name=routing.street_name(session, found, language()),
        can_redispatch=found.status in STARTABLE and found.assignee_id is None,
        max_text=staff_actions.MAX_TEXT_LENGTH,
        categories=categories,
        category_names={c.code: c.display_name(language()) for c in categories},
    )


@bp.get("/corrections")
@login_required
def corrections() -> str:
    """Category corrections by staff: what the keywords guessed, what it was, in whose words."""
    events = queries.category_corrections(db.session, g.user)
    names = {c.code: c for c in db.session.scalars(select(Category))}
    return render_template("dashboard/corrections.html", events=events, names=names)


Action = Callable[[Session, Ticket, Actor, dict[str, str]], None]


def _assign(session: Session, ticket: Ticket, actor: Actor, form: dict[str, str]) -> None:
    choice = form.get("volunteer_id", "")
    allowed = {c.volunteer.id: c.volunteer for c in hand_picking.choices(session, ticket)}
    volunteer = allowed.get(whole_number(choice, "volunteer_id") or 0)
    if volunteer is None:
        raise staff_actions.ActionRefused("no_volunteer")
    staff_dispatch.assign_volunteer(session, ticket, actor, volunteer)


def _escalate(session: Session, ticket: Ticket, actor: Actor, form: dict[str, str]) -> None:
    code = form.get("department", "")
    department = session.scalar(select(Department).where(Department.code == code))
    staff_actions.escalate(session, ticket, actor, department, form.get("reason", ""))


def _merge(session: Session, ticket: Ticket, actor: Actor, form: dict[str, str]) -> None:
    into = form.get("into", "").strip()[:12]
    staff_actions.merge(session, ticket, ticket_in_scope(session, g.user, into), actor, into)


def _followup(session: Session, ticket: Ticket, actor: Actor, form: dict[str, str]) -> None:
    choice = form.get("followup_id", "")
    number = whole_number(choice, "followup_id")
    followup = session.get(FollowUp, number) if number else None
    needs_work = form.get("needs_work") == "1"
    outcome = form.get("outcome", "")
    rating = form.get("rating", "")
    new_rating = Rating(rating) if rating in Rating.__members__ else None
    staff_actions.complete_followup(
        session, ticket, actor, followup, outcome, needs_work, new_rating
    )


ACTIONS: dict[str, Action] = {
    "note": lambda s, t, a, f: staff_actions.add_note(s, t, a, f.get("text", "")),
    "text": lambda s, t, a, f: staff_actions.text_resident(s, t, a, f.get("text", "")),
    "cancel": lambda s, t, a, f: staff_actions.cancel(s, t, a, f.get("reason", "")),
    "resolve": lambda s, t, a, f: staff_actions.resolve(s, t, a, f.get("reason", "")),
    "close": lambda s, t, a, f: staff_actions.close(s, t, a, f.get("reason", "")),
    "reopen": lambda s, t, a, f: staff_actions.reopen(s, t, a, f.get("reason", "")),
    "assign": _assign,
    "redispatch": lambda s, t, a, f: staff_dispatch.redispatch(s, t, a),
    "escalate": _escalate,
    "merge": _merge,
    "split": lambda s, t, a, f: staff_actions.split(s, t, a),
    "recategorise": lambda s, t, a, f: staff_actions.recategorise(s, t, a, f.get("category", "")),
    "summarise": lambda s, t, a, f: recording_summary.summarise(s, t, a, f.get("text", "")),
    "followup": _followup,
}
# A department's liaison answers for the department: notes, texts, resolving, its return visits.
# Dispatching, merging, cancelling or moving a ticket on is the community's and the office's.
LIAISON_ACTIONS = ("note", "text", "resolve", "followup")


def actions_for(user: StaffUser) -> tuple[str, ...]:
    return LIAISON_ACTIONS if user.role is StaffRole.liaison else tuple(ACTIONS)


@bp.post("/tickets/<code>/<action>")
@login_required
def act(code: str, action: str) -> Response:
    run = ACTIONS.get(action)
    if run is None:
        abort(404)
    found = _ticket_or_404(code)
    if action not in actions_for(g.user):
        abort(403)
    session = db.session
    form = request.form.to_dict()
    try:
        run(session, found, staff_actor(g.user), form)
    except IllegalTransition:
        session.rollback()
        notify("refused_move", "error", {"action": action, "status": found.status.value})
    except staff_actions.ActionRefused as refused:
        session.rollback()
        notify(f"refused_{refused.why}", "error", refused.values)
    else:
        session.commit()
        notify(f"done_{action}", "ok", {"code": code, "into": form.get("into", "")})
    return redirect(url_for("dashboard.ticket", code=code), code=303)
