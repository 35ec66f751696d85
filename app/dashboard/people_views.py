"""Volunteers (roster, pause and resume) and residents (lookup and history)."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth.models import StaffRole
from app.auth.scope import community_in_scope
from app.auth.web import login_required, roles_required
from app.dashboard import queries
from app.dashboard.blueprint import bp
from app.dashboard.import_views import IMPORTS
from app.db import db
from app.volunteers import roster
from app.volunteers.models import Volunteer

ROSTER_ROLES = (StaffRole.community, StaffRole.office, StaffRole.admin)


@bp.get("/volunteers")
@roles_required(*ROSTER_ROLES)
def volunteers() -> str:
    people = queries.roster(db.session, g.user)
    ids = [v.id for v in people]
    return render_template(
        "dashboard/volunteers.html",
        volunteers=people,
        loads=roster.active_loads(db.session, ids),
        reliability=roster.reliabilities(db.session, ids),
        last_offer=roster.last_offers(db.session, ids),
        may_import=g.user.role in IMPORTS["volunteers"].roles,
    )


@bp.post("/volunteers/<int:volunteer_id>/<any(pause, resume):change>")
@roles_required(*ROSTER_ROLES)
def volunteer_availability(volunteer_id: int, change: str) -> Response:
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or not community_in_scope(g.user, volunteer.community_id):
        abort(404)
    (roster.pause if change == "pause" else roster.resume)(volunteer)
    db.session.commit()
    return redirect(url_for("dashboard.volunteers"), code=303)


@bp.get("/residents")
@login_required
def residents() -> str:
    q = request.args.get("q", "").strip()[:100]
    found = (
        queries.find_residents(db.session, g.user, q, current_app.config["HOTLINE_REGION"])
        if q
        else []
    )
    return render_template("dashboard/residents.html", q=q, residents=found)


@bp.get("/residents/<int:resident_id>")
@login_required
def resident(resident_id: int) -> str:
    person = queries.resident_in_scope(db.session, g.user, resident_id)
    if person is None:
        abort(404)
    tickets = queries.resident_tickets(db.session, g.user, person)
    return render_template("dashboard/resident.html", resident=person, tickets=tickets)
