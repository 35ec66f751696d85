"""Staff edit a resident's details and a ticket's facts (each change goes on the timeline)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.auth.accounts import staff_actor
from app.auth.scope import sees_all_communities, ticket_in_scope
from app.auth.web import roles_required
from app.categories.models import Category
from app.communities.models import Community
from app.dashboard import queries
from app.dashboard.blueprint import bp
from app.dashboard.entry_views import ENTRY_ROLES
from app.dashboard.notices import notify
from app.db import db
from app.residents.models import Resident
from app.tickets import editing
from app.tickets.models import Ticket
from app.tickets.staff_entry import Refused

Record = Resident | Ticket
Edit = Callable[..., object]


def _communities(current: int | None) -> list[Community]:
    """What the user may choose: every community for the office, else their own (and the
    current one, so the form shows it)."""
    query = select(Community).order_by(Community.code)
    if not sees_all_communities(g.user):
        query = query.where(Community.id.in_([g.user.community_id, current]))
    return list(db.session.scalars(query))


def _place(form: Mapping[str, str]) -> dict[str, Any]:
    """The community, building and address fields both edit forms share."""
    raw = form.get("community", "")
    return {
        "community_id": int(raw) if raw.isdigit() else None,
        "building": form.get("building", ""),
        "address": form.get("address", ""),
    }


def _resident_or_404(resident_id: int) -> Resident:
    person = queries.resident_in_scope(db.session, g.user, resident_id)
    if person is None:
        abort(404)
    return person


def _ticket_or_404(code: str) -> Ticket:
    ticket = ticket_in_scope(db.session, g.user, code)
    if ticket is None:
        abort(404)
    return ticket


def _resident_page(person: Resident, error: str = "", status: int = 200) -> tuple[str, int]:
    body = render_template(
        "dashboard/edit_resident.html",
        resident=person,
        communities=_communities(person.community_id),
        languages=editing.LANGUAGES,
        error=error,
    )
    return body, status


def _ticket_page(ticket: Ticket, error: str = "", status: int = 200) -> tuple[str, int]:
    body = render_template(
        "dashboard/edit_ticket.html",
        ticket=ticket,
        communities=_communities(ticket.community_id),
        categories=list(db.session.scalars(select(Category).order_by(Category.position))),
        error=error,
    )
    return body, status


def _resident_fields(form: Mapping[str, str]) -> editing.ResidentFields:
    landline = form.get("landline") == "1"
    return editing.ResidentFields(
        name=form.get("name", ""),
        **_place(form),
        language=form.get("language", ""),
        phone_kind="landline" if landline else "mobile",
    )


def _ticket_fields(form: Mapping[str, str]) -> editing.TicketFields:
    return editing.TicketFields(
        category_code=form.get("category", ""),
        **_place(form),
        description=form.get("problem", ""),
        urgent=form.get("urgent") == "1",
    )


def _save(
    row: Record, fields: object, edit: Edit, page: Callable[..., tuple[str, int]], done: str
) -> Response | tuple[str, int]:
    """Run the edit and commit, then back to the record; refused: the form again, with why."""
    try:
        edit(db.session, g.user, staff_actor(g.user), row, fields)
    except Refused as refused:
        db.session.rollback()  # the row is reloaded as stored
        return page(row, refused.key, 400)
    db.session.commit()
    notify("action_done", "ok")
    return redirect(done, code=303)


@bp.get("/residents/<int:resident_id>/edit")
@roles_required(*ENTRY_ROLES)
def edit_resident(resident_id: int) -> tuple[str, int]:
    return _resident_page(_resident_or_404(resident_id))


@bp.get("/tickets/<code>/edit")
@roles_required(*ENTRY_ROLES)
def edit_ticket(code: str) -> tuple[str, int]:
    return _ticket_page(_ticket_or_404(code))


@bp.post("/residents/<int:resident_id>/edit")
@roles_required(*ENTRY_ROLES)
def save_resident(resident_id: int) -> Response | tuple[str, int]:
    done = url_for("dashboard.resident", resident_id=resident_id)
    person, fields = _resident_or_404(resident_id), _resident_fields(request.form)
    return _save(person, fields, editing.edit_resident, _resident_page, done)


@bp.post("/tickets/<code>/edit")
@roles_required(*ENTRY_ROLES)
def save_ticket(code: str) -> Response | tuple[str, int]:
    fields = _ticket_fields(request.form)
    done = url_for("dashboard.ticket", code=code)
    return _save(_ticket_or_404(code), fields, editing.edit_ticket, _ticket_page, done)
