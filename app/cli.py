"""The `hotline` command: serve, worker, db upgrade, imports, demo data and helpers."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from app.db import db


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, add_default_commands=False, help=__doc__)
    cli.main(prog_name="hotline")


def _create_app() -> Flask:
    from app import create_app

    return create_app()


def register(app: Flask) -> None:
    """Attach the commands to the app so `flask --app app` sees them too."""
    for command in (
        serve,
        worker_command,
        db_group,
        import_group,
        seed_demo,
        sms_command,
        staff_group,
    ):
        app.cli.add_command(command)


def prepare_database() -> None:
    """Migrate to the newest schema and load the category data file (idempotent)."""
    from app import migrate
    from app.categories import catalog

    migrate.upgrade(db.engine)
    catalog.sync(db.session)
    db.session.commit()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5580, show_default=True, type=int)
@click.option("--with-worker", is_flag=True, help="Also send the outbox and run the sweeps.")
@with_appcontext
def serve(host: str, port: int, with_worker: bool) -> None:
    """Serve the web app (local mode; use gunicorn 'app:create_app()' in production)."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    prepare_database()
    from app.demo import seed_if_empty

    for line in seed_if_empty(db.session):
        click.echo(line)
    if with_worker:
        _start_worker_thread(app)
    click.echo(f"580 Hotline on http://{host}:{port}  ({_mode(app)})")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _mode(app: Flask) -> str:
    settings = app.config["SETTINGS"]
    return "local provider: SMS recorded, not sent" if settings.local_mode else "Twilio"


def _start_worker_thread(app: Flask) -> None:
    from app.scheduling.runner import Worker

    worker = Worker(app)
    worker.start_scheduler()
    threading.Thread(target=worker.run_outbox, name="outbox", daemon=True).start()


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Send the outbox and run the scheduled sweeps until stopped (SIGTERM/SIGINT)."""
    from app.scheduling.runner import Worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    prepare_database()
    worker = Worker(app)

    def stop(*_: Any) -> None:
        worker.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.start_scheduler()
    click.echo(f"worker {worker.holder} started ({_mode(app)})")
    worker.run_outbox()
    worker.stop()


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Migrate to the newest schema and load the categories data file."""
    prepare_database()
    click.echo("database is up to date")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--rev-id", required=True, help="e.g. 0002_dispatch")
@with_appcontext
def db_revision(message: str, rev_id: str) -> None:
    """Autogenerate a migration from the models (for developers)."""
    from alembic import command

    from app import migrate

    config = migrate.alembic_config(db.engine.url.render_as_string(hide_password=False))
    command.revision(config, message=message, autogenerate=True, rev_id=rev_id)


@click.group("import")
def import_group() -> None:
    """Import CSV files; a file with any bad row is reported and nothing is written."""


def _run_import(kind: str, path: Path, importer: Any) -> None:
    prepare_database()
    report = importer(db.session, path)
    if not report.ok:
        db.session.rollback()
        for line in report.lines():
            click.echo(line, err=True)
        click.echo(f"{kind}: nothing imported, {len(report.errors)} bad row(s)", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{kind}: {report.created} created, {report.updated} updated")


_CSV = click.Path(exists=True, dir_okay=False, path_type=Path)


@import_group.command("communities")
@click.argument("path", type=_CSV)
@with_appcontext
def import_communities(path: Path) -> None:
    """Columns: code,name,name_en"""
    from app.imports.places import import_communities as run

    _run_import("communities", path, run)


@import_group.command("departments")
@click.argument("path", type=_CSV)
@with_appcontext
def import_departments(path: Path) -> None:
    """Columns: code,name,name_en,liaison_phone"""
    from app.imports.places import import_departments as run

    region = current_app.config["HOTLINE_REGION"]
    _run_import("departments", path, lambda s, p: run(s, p, region))


@import_group.command("residents")
@click.argument("path", type=_CSV)
@with_appcontext
def import_residents(path: Path) -> None:
    """Columns: name,phone,community,building,address,language"""
    from app.imports.people import import_residents as run

    region = current_app.config["HOTLINE_REGION"]
    _run_import("residents", path, lambda s, p: run(s, p, region))


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load demo data for one street (idempotent)."""
    from app.demo import seed

    prepare_database()
    for line in seed(db.session):
        click.echo(line)
    db.session.commit()


@click.command("sms")
@click.option("--from", "sender", required=True, help="The texter's number, e.g. 13800138000.")
@click.option("--url", default=None, help="Server base URL (default PUBLIC_BASE_URL).")
@click.argument("body")
@with_appcontext
def sms_command(sender: str, url: str | None, body: str) -> None:
    """Text the line as a resident would: a signed POST to /twilio/sms; prints the reply."""
    from app.telephony.simulate import post_signed_sms

    config = current_app.config
    status, reply = post_signed_sms(
        url or config["PUBLIC_BASE_URL"],
        config["PUBLIC_BASE_URL"],
        config["TWILIO_AUTH_TOKEN"],
        sender,
        config["TWILIO_PHONE_NUMBER"],
        body,
    )
    click.echo(f"HTTP {status}")
    click.echo(reply)


@click.group("staff")
def staff_group() -> None:
    """Dashboard users and their Open311 keys."""


@staff_group.command("add")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice(["community", "office", "liaison", "admin"])
)
@click.option("--community", default=None, help="Community code (community staff).")
@click.option("--department", default=None, help="Department code (liaisons).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def staff_add(
    username: str, role: str, community: str | None, department: str | None, password_stdin: bool
) -> None:
    """Create a staff user (asks for the password twice unless --password-stdin)."""
    from app.auth.accounts import AccountError, create_user
    from app.auth.models import StaffRole

    prepare_database()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        create_user(
            db.session,
            username,
            StaffRole(role),
            password,
            community_code=community,
            department_code=department,
        )
    except AccountError as refused:
        db.session.rollback()
        click.echo(f"error: {refused}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"staff user {username} ({role}) created")


@staff_group.command("api-key")
@click.argument("username")
@with_appcontext
def staff_api_key(username: str) -> None:
    """Issue a new Open311 api_key for USERNAME (printed once; replaces the old key)."""
    from sqlalchemy import select

    from app.auth.accounts import issue_api_key
    from app.auth.models import StaffUser

    prepare_database()
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        click.echo(f"error: no staff user {username!r}", err=True)
        sys.exit(1)
    key = issue_api_key(user)
    db.session.commit()
    click.echo(key)
