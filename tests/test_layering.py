"""Guards on how the packages depend on each other and on Flask."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy.exc import StatementError

from app.config import current_settings
from app.db import db
from app.tickets.due_dates import CalendarHours, configured_policy
from app.tickets.models import TicketEvent

APP = Path(__file__).resolve().parent.parent / "app"
DOMAIN = ("tickets", "volunteers", "surveys", "reports", "messaging", "residents", "categories")
# Blueprints inside domain packages: web code may read the Flask config.
WEB_MODULES = {"tickets/liaison_web.py", "volunteers/links.py", "surveys/web.py"}


def _modules(package: str) -> list[Path]:
    return sorted((APP / package).rglob("*.py"))


def _reads_flask_config(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Attribute)
        and node.attr == "config"
        and isinstance(node.value, ast.Name)
        and node.value.id == "current_app"
        for node in ast.walk(tree)
    )


def test_domain_code_reads_the_typed_settings_not_the_flask_config():
    offenders = [
        str(path.relative_to(APP))
        for package in DOMAIN
        for path in _modules(package)
        if str(path.relative_to(APP)) not in WEB_MODULES
        and _reads_flask_config(ast.parse(path.read_text()))
    ]
    assert offenders == []


def test_domain_code_runs_without_an_app_context(app):
    # No app context is pushed here: the settings come from the process's installed app.
    assert current_settings().HOTLINE_DEADLINE_POLICY == "calendar"
    assert isinstance(configured_policy(), CalendarHours)


def test_a_timeline_event_of_an_unknown_kind_is_refused(ctx):
    db.session.add(TicketEvent(ticket_id=1, kind="something_new", actor_kind="system"))
    with pytest.raises(StatementError, match="something_new"):
        db.session.flush()


def _run_time_imports(tree: ast.Module) -> list[str]:
    """Modules imported outside `if TYPE_CHECKING:` blocks."""
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for child in block.body
        for node in ast.walk(child)
    }
    names = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_tickets_never_import_volunteers():
    """Volunteers react to ticket moves (app/volunteers/reactions.py); tickets do not call them."""
    offenders = {
        str(path.relative_to(APP)): name
        for path in _modules("tickets")
        for name in _run_time_imports(ast.parse(path.read_text()))
        if name == "app.volunteers" or name.startswith("app.volunteers.")
    }
    assert offenders == {}
