"""Admin pages for one staff account: change its role and place, reset its password, turn it
off or on again."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth import account_changes
from app.auth.accounts import AccountError
from app.auth.models import StaffRole, StaffUser
from app.auth.scope import manages
from app.auth.web import roles_required
from app.dashboard import queries
from app.dashboard.blueprint import bp, found_or_404
from app.dashboard.notices import notify
from app.db import db


@bp.get("/admin/users/<int:user_id>")
@roles_required(StaffRole.admin)
def user_page(user_id: int) -> str:
    session = db.session
    return render_template(
        "dashboard/user.html",
        account=_account_or_404(user_id),
        roles=list(StaffRole),
        **queries.account_places(session, g.user),
    )


def _account_or_404(user_id: int) -> StaffUser:
    """The account if the admin manages it: one outside their street is not found."""
    account = found_or_404(StaffUser, user_id)
    if not manages(db.session, g.user, account):
        abort(404)
    return account


def _role(user: StaffUser, form: dict[str, str]) -> None:
    role = form.get("role", "")
    if role not in {r.value for r in StaffRole}:
        raise AccountError("account_unknown_role")
    account_changes.change_role(
        db.session,
        user,
        StaffRole(role),
        form.get("community") or None,
        form.get("department") or None,
        form.get("street") or None,
        g.user,
    )


CHANGES: dict[str, tuple[Callable[[StaffUser, dict[str, str]], None], str]] = {
    "role": (_role, "user_changed"),
    "password": (
        lambda u, f: account_changes.reset_password(db.session, u, f.get("password", ""), g.user),
        "password_reset",
    ),
    "disable": (
        lambda u, f: account_changes.set_enabled(db.session, u, False, g.user),
        "user_disabled",
    ),
    "enable": (
        lambda u, f: account_changes.set_enabled(db.session, u, True, g.user),
        "user_enabled",
    ),
}


@bp.post("/admin/users/<int:user_id>/<change>")
@roles_required(StaffRole.admin)
def change_user(user_id: int, change: str) -> Response:
    if change not in CHANGES:
        abort(404)
    user = _account_or_404(user_id)
    run, done = CHANGES[change]
    try:
        run(user, request.form.to_dict())
    except AccountError as refused:
        db.session.rollback()
        notify(refused.key, "error", refused.values)
    else:
        db.session.commit()
        notify(done, "ok", {"username": user.username})
    return redirect(url_for("dashboard.user_page", user_id=user_id), code=303)
