"""Demo data for a district of two streets: their communities, departments, residents,
volunteers and staff on duty.

Loaded through the same importers as real files (data/demo/*.csv), so the demo also proves them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.accounts import create_user
from app.auth.models import StaffRole, StaffUser
from app.communities.models import Community
from app.config import PROJECT_ROOT
from app.imports.csvfile import ImportReport
from app.imports.people import import_residents
from app.imports.places import import_communities, import_departments, import_streets
from app.voice.roster import import_roster
from app.volunteers.importer import import_volunteers

DEMO_DIR = PROJECT_ROOT / "data" / "demo"


def seed(session: Session) -> Iterator[str]:
    """Import every demo file; raises if one is broken (it is shipped data, not user input)."""
    region = current_app.config["HOTLINE_REGION"]
    steps: list[tuple[str, Callable[[Path], ImportReport]]] = [
        ("streets", lambda p: import_streets(session, p, region)),
        ("communities", lambda p: import_communities(session, p, region)),
        ("departments", lambda p: import_departments(session, p, region)),
        ("residents", lambda p: import_residents(session, p, region)),
        ("duty", lambda p: import_roster(session, p, region)),
        ("volunteers", lambda p: import_volunteers(session, p, region)),
    ]
    for kind, run in steps:
        report: ImportReport = run(DEMO_DIR / f"{kind}.csv")
        if not report.ok:
            raise RuntimeError(f"demo {kind}: " + "; ".join(report.lines()))
        yield f"demo {kind}: {report.created} created, {report.updated} updated"
    yield from seed_staff(session)


DEMO_STAFF = (("admin", StaffRole.admin, None), ("longxi", StaffRole.community, "longxi"))


def seed_staff(session: Session) -> Iterator[str]:
    """A demo admin and a Longxi community user, each with a fresh random password printed
    once (only the hash is stored); users that already exist are left alone."""
    for username, role, community in DEMO_STAFF:
        if session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
            continue
        password = secrets.token_urlsafe(12)
        create_user(session, username, role, password, community_code=community)
        yield f"demo {role.value}: {username} / {password}"


def seed_if_empty(session: Session) -> list[str]:
    """Seed a brand-new database so `make run` shows something; never touches one in use.
    Flushes only: the caller's unit of work commits."""
    if session.scalar(select(Community.id).limit(1)) is not None:
        return []
    return list(seed(session))
