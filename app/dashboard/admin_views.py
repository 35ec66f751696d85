"""Admin pages: staff users (list and create), the duty roster, categories and settings
(read-only)."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.auth.accounts import AccountError, create_user
from app.auth.models import StaffRole
from app.auth.web import roles_required
from app.categories.models import Category
from app.clock import utcnow
from app.communities.models import Department
from app.dashboard import queries
from app.dashboard.blueprint import bp
from app.dashboard.notices import notify
from app.db import db
from app.voice.models import DutyShift
from app.voice.roster import on_duty

# Shown on the settings page; secrets (SECRET_KEY, auth token, database password) never are.
VISIBLE_SETTINGS = (
    "PUBLIC_BASE_URL",
    "TWILIO_PHONE_NUMBER",
    "HOTLINE_TIMEZONE",
    "HOTLINE_REGION",
    "HOTLINE_LINKS_ENABLED",
    "HOTLINE_FOLLOWUP_WINDOW_HOURS",
    "HOTLINE_COMMUNITY_DEADLINE_HOURS",
    "HOTLINE_DEPARTMENT_DEADLINE_HOURS",
    "HOTLINE_DEADLINE_POLICY",
    "HOTLINE_SMS_SEGMENT_BUDGET",
    "HOTLINE_RANKING_MIN_SAMPLE",
    "HOTLINE_YEARLY_MIN_SAMPLE",
)


@bp.get("/admin/users")
@roles_required(StaffRole.admin)
def users() -> str:
    session = db.session
    return render_template(
        "dashboard/users.html",
        users=queries.accounts(session, g.user),
        roles=list(StaffRole),
        **queries.account_places(session, g.user),
    )


@bp.post("/admin/users")
@roles_required(StaffRole.admin)
def add_user() -> Response:
    form = request.form
    role = form.get("role", "")
    try:
        if role not in {r.value for r in StaffRole}:
            raise AccountError("account_unknown_role")
        create_user(
            db.session,
            form.get("username", ""),
            StaffRole(role),
            form.get("password", ""),
            community_code=form.get("community") or None,
            department_code=form.get("department") or None,
            street_code=form.get("street") or None,
            by=g.user,
        )
    except AccountError as refused:
        db.session.rollback()
        notify(refused.key, "error", refused.values)
    else:
        db.session.commit()
        notify("user_added", "ok", {"username": form.get("username", "").strip()})
    return redirect(url_for("dashboard.users"), code=303)


@bp.get("/admin/categories")
@roles_required(StaffRole.admin)
def categories() -> str:
    rows = db.session.scalars(select(Category).order_by(Category.position))
    units = {d.code: d for d in db.session.scalars(select(Department))}  # named, not coded
    return render_template("dashboard/categories.html", categories=list(rows), units=units)


@bp.get("/admin/settings")
@roles_required(StaffRole.admin)
def settings() -> str:
    config = current_app.config
    values = [(name, config.get(name)) for name in VISIBLE_SETTINGS]
    values.append(("database", db.engine.dialect.name))
    values.append(("local_mode", config["SETTINGS"].local_mode))
    return render_template("dashboard/settings.html", values=values)


@bp.get("/admin/duty")
@roles_required(StaffRole.admin)
def duty_roster() -> str:
    """Who takes calls put through from the IVR, their weekly hours, and who is on now."""
    tz = current_app.config["HOTLINE_TIMEZONE"]
    now = {s.id for s in on_duty(db.session, utcnow(), tz)}
    shifts = db.session.scalars(select(DutyShift).where(DutyShift.active).order_by(DutyShift.name))
    rows = [(s, s.hours, s.id in now) for s in shifts]
    return render_template("dashboard/duty.html", shifts=rows)
