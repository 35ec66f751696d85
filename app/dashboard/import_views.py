"""Importing volunteers and the duty roster from an uploaded CSV, with the same importers (and
the same all-or-nothing rule, bad rows listed by line) as `hotline import volunteers|duty`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.auth.models import StaffRole
from app.auth.web import login_required
from app.dashboard.blueprint import bp
from app.db import db
from app.imports.csvfile import ImportReport
from app.voice.roster import ROSTER_COLUMNS, import_roster
from app.volunteers.importer import COLUMNS, import_volunteers


@dataclass(frozen=True)
class Import:
    run: Callable[[Session, Path, str], ImportReport]
    columns: tuple[str, ...]
    roles: tuple[StaffRole, ...]
    done_page: str  # the endpoint that lists what was imported


IMPORTS = {
    "volunteers": Import(
        import_volunteers, COLUMNS, (StaffRole.office, StaffRole.admin), "dashboard.volunteers"
    ),
    "duty": Import(import_roster, ROSTER_COLUMNS, (StaffRole.admin,), "dashboard.duty_roster"),
}


def _allowed(kind: str) -> Import:
    found = IMPORTS.get(kind)
    if found is None:
        abort(404)
    if g.user.role not in found.roles:
        abort(403)
    return found


@bp.get("/import/<kind>")
@login_required
def import_page(kind: str) -> str:
    return render_template("dashboard/import.html", kind=kind, spec=_allowed(kind), errors=[])


@bp.post("/import/<kind>")
@login_required
def import_file(kind: str) -> Response | tuple[str, int]:
    spec = _allowed(kind)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("dashboard/import.html", kind=kind, spec=spec, errors=[]), 400
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.csv"
        upload.save(path)
        report = spec.run(db.session, path, current_app.config["HOTLINE_REGION"])
    if not report.ok:
        db.session.rollback()  # nothing half-imported
        errors = report.errors
        return render_template("dashboard/import.html", kind=kind, spec=spec, errors=errors), 422
    db.session.commit()
    flash(("imported", {"created": report.created, "updated": report.updated}), "ok")
    return redirect(url_for(spec.done_page), code=303)
