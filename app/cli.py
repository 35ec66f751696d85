"""The `hotline` command: serve, worker, db upgrade, imports, demo data and helpers."""

from __future__ import annotations

import functools
import importlib
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from app.db import db

if TYPE_CHECKING:
    from app.scheduling.runner import Worker

P = ParamSpec("P")
R = TypeVar("R")


@click.group("categories")
def categories_group() -> None:
    """Category keywords (data/categories.yaml)."""


@categories_group.command("accuracy")
@click.option(
    "--file",
    "paths",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Labelled TSV (category<TAB>text); default the tuning and held-out sets in tests/.",
)
@click.option("--misses", is_flag=True, help="List every text classified wrongly.")
def categories_accuracy(paths: tuple[Path, ...], misses: bool) -> None:
    """Classify labelled texts; print accuracy per set and the confusion table."""
    from app.categories.accuracy import confusion_table, evaluate, read_labelled
    from app.categories.catalog import load
    from app.config import PROJECT_ROOT

    folder = PROJECT_ROOT / "tests" / "categories"
    codes = [entry["code"] for entry in load().categories]
    for path in paths or (folder / "tuning.tsv", folder / "held_out.tsv"):
        result = evaluate(read_labelled(path))
        click.echo(f"## {path.name}: {result.correct}/{result.total} = {result.accuracy:.1%}\n")
        click.echo(confusion_table(result, codes) + "\n")
        for row, guessed in result.misses if misses else []:
            click.echo(f"{row.category} -> {guessed}\t{row.text}")


def main() -> None:
    build_cli().main(prog_name="hotline")


def build_cli() -> FlaskGroup:
    cli = FlaskGroup(create_app=_create_app, add_default_commands=False, help=__doc__)
    # Added here, not only on the app: `ivr check` must work when a broken flow stops the app.
    cli.add_command(ivr_group)
    cli.add_command(templates_group)
    cli.add_command(categories_group)
    cli.add_command(doctor)  # reports a configuration that stops the app, instead of crashing
    return cli


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
        ivr_group,
        templates_group,
        staff_group,
        categories_group,
    ):
        app.cli.add_command(command)


def prepare_database() -> None:
    """Migrate to the newest schema and load the category data file (idempotent)."""
    from app import migrate
    from app.categories import catalog

    migrate.upgrade(db.engine)
    with db.unit_of_work(writes=True) as session:
        catalog.sync(session)


def writes(command: Callable[P, R]) -> Callable[P, R]:
    """Run a command's body as one write unit of work: committed when it returns, rolled back
    when it fails or exits, and in both cases ended before the command goes on."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with db.unit_of_work(writes=True):
            return command(*args, **kwargs)

    return run


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
    if app.config["SETTINGS"].local_mode:
        _seed_if_empty()
    worker = _start_worker_thread(app) if with_worker else None
    click.echo(f"580 Hotline on http://{host}:{port}  ({_mode(app)})")
    # SIGTERM raises SystemExit, so the `finally` below runs on it too (as on Ctrl-C).
    previous = signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if worker is not None:
            worker.stop()  # hands the sweep lease back: the next start sweeps at once


@writes
def _seed_if_empty() -> None:
    from app.demo import seed_if_empty

    for line in seed_if_empty(db.session):
        click.echo(line)


def _mode(app: Flask) -> str:
    settings = app.config["SETTINGS"]
    if settings.local_mode:
        return "local provider: SMS recorded, not sent"
    return f"SMS: {settings.sms_provider}, calls: {settings.voice_provider}"


def _start_worker_thread(app: Flask) -> Worker:
    from app.scheduling.runner import Worker

    worker = Worker(app)
    worker.start_scheduler()
    worker.start_jobs()
    threading.Thread(target=worker.run_outbox, name="outbox", daemon=True).start()
    return worker


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@click.command("worker")
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    help="Serve this worker's counters (sends, provider errors) for Prometheus on 127.0.0.1.",
)
@with_appcontext
def worker_command(metrics_port: int | None) -> None:
    """Send the outbox, run jobs as they come and the scheduled sweeps until stopped."""
    from prometheus_client import start_http_server

    from app.operations.metrics import PROCESS
    from app.scheduling.runner import Worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    prepare_database()
    worker = Worker(app)
    if metrics_port is not None:
        start_http_server(metrics_port, addr="127.0.0.1", registry=PROCESS)

    def stop(*_: Any) -> None:
        worker.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.start_scheduler()
    worker.start_jobs()
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
    _import_file(kind, path, importer)


@writes
def _import_file(kind: str, path: Path, importer: Any) -> None:
    report = importer(db.session, path)
    if not report.ok:
        for line in report.lines():
            click.echo(line, err=True)
        click.echo(f"{kind}: nothing imported, {len(report.errors)} bad row(s)", err=True)
        sys.exit(1)  # the unit of work rolls back: nothing half-imported
    click.echo(f"{kind}: {report.created} created, {report.updated} updated")


_CSV = click.Path(exists=True, dir_okay=False, path_type=Path)

# kind: (importer "module:function", taking (session, path, region), and the columns it reads)
IMPORTERS = {
    "communities": ("app.imports.places:import_communities", "code,name,name_en[,staff_phone]"),
    "departments": ("app.imports.places:import_departments", "code,name,name_en,liaison_phone"),
    "duty": (
        "app.voice.roster:import_roster",
        "name,phone,hours (the staff duty roster for calls put through from the IVR)",
    ),
    "residents": (
        "app.imports.people:import_residents",
        "name,phone,community,building,address,language",
    ),
    "volunteers": (
        "app.volunteers.importer:import_volunteers",
        "name,phone,community,skills,building,max_active,availability,language",
    ),
}


def _import_command(kind: str, target: str, columns: str) -> click.Command:
    @click.argument("path", type=_CSV)
    @with_appcontext
    def command(path: Path) -> None:
        module, name = target.split(":")
        importer = getattr(importlib.import_module(module), name)
        region = current_app.config["HOTLINE_REGION"]
        _run_import(kind, path, lambda s, p: importer(s, p, region))

    return import_group.command(kind, help=f"Columns: {columns}")(command)


for _kind, (_target, _columns) in IMPORTERS.items():
    _import_command(_kind, _target, _columns)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load demo data for one street (idempotent)."""
    prepare_database()
    _seed()


@writes
def _seed() -> None:
    from app.demo import seed

    for line in seed(db.session):
        click.echo(line)


@click.command("sms")
@click.option("--from", "sender", required=True, help="The texter's number, e.g. 13800138000.")
@click.option("--url", default=None, help="Server base URL (default PUBLIC_BASE_URL).")
@click.option("--port", type=int, default=None, help="Shorthand for --url http://127.0.0.1:PORT.")
@click.argument("body")
@with_appcontext
def sms_command(sender: str, url: str | None, port: int | None, body: str) -> None:
    """Text the line as a resident would: a signed POST to /twilio/sms; prints the reply."""
    from app.telephony.simulate import post_signed_sms

    config = current_app.config
    server = url or (f"http://127.0.0.1:{port}" if port else config["PUBLIC_BASE_URL"])
    try:
        status, reply = post_signed_sms(
            server,
            config["PUBLIC_BASE_URL"],
            config["TWILIO_AUTH_TOKEN"],
            sender,
            config["TWILIO_PHONE_NUMBER"],
            body,
        )
    except OSError as error:  # refused, timed out, unknown host: one line, not a traceback
        reason = getattr(error, "reason", None) or error or type(error).__name__
        click.echo(f"error: no answer from {server}/twilio/sms: {reason}", err=True)
        sys.exit(1)
    click.echo(f"HTTP {status}")
    click.echo(reply)


@click.command("doctor")
def doctor() -> None:
    """Check configuration, database, migrations, provider accounts, the public URL and its
    signatures, IVR flows and SMS templates; one line each, exit 1 if any fails."""
    from app.config import PROJECT_ROOT
    from app.operations.doctor import run

    failed = 0
    for check in run(PROJECT_ROOT / "instance"):
        click.echo(check.line())
        failed += not check.ok
    if failed:
        click.echo(f"{failed} check(s) failed", err=True)
        sys.exit(1)


@click.group("ivr")
def ivr_group() -> None:
    """IVR flows (ivr_flows/*.yaml)."""


@ivr_group.command("check")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Flow directory (default HOTLINE_IVR_FLOWS_DIR or ivr_flows/).",
)
def ivr_check(directory: Path | None) -> None:
    """Validate every flow file; print each problem and exit 1 if there is any."""
    import os

    from app.ivr.flows import check_flows
    from app.voice.setup import flows_dir

    directory = directory or flows_dir(os.environ.get("HOTLINE_IVR_FLOWS_DIR", ""))
    problems = check_flows(directory)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{directory}: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"{directory}: every flow is valid")


@click.group("templates")
def templates_group() -> None:
    """SMS templates registered with the domestic gateways (sms_templates/registry.yaml)."""


_PROVIDER = click.option(
    "--provider",
    type=click.Choice(["aliyun", "tencent"]),
    default=None,
    help="Gateway (default HOTLINE_SMS_PROVIDER, or both).",
)
_REGISTRY = click.option(
    "--registry",
    "registry_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Registry file (default HOTLINE_SMS_REGISTRY or sms_templates/registry.yaml).",
)


def _gateways(provider: str | None) -> list[str]:
    import os

    from app.messaging.registry import DOMESTIC_PROVIDERS

    chosen = provider or os.environ.get("HOTLINE_SMS_PROVIDER", "")
    return [chosen] if chosen in DOMESTIC_PROVIDERS else list(DOMESTIC_PROVIDERS)


def _registry(path: Path | None) -> Any:
    import os

    from app.messaging import registry

    return registry.load(path or registry.registry_path(os.environ.get("HOTLINE_SMS_REGISTRY", "")))


@templates_group.command("check")
@_PROVIDER
@_REGISTRY
def templates_check(provider: str | None, registry_path: Path | None) -> None:
    """Every text against the registry: unregistered, over limits, links; billed segments."""
    from app.messaging.template_review import review

    registry = _registry(registry_path)
    problems = 0
    for gateway in _gateways(provider):
        for row in review(registry, gateway):
            problems += len(row.problems)
            remarks = "; ".join(row.problems + row.notes) or "ok"
            click.echo(f"{gateway}\t{row.name}\t{row.language}\t{row.segments} seg\t{remarks}")
    if problems:
        click.echo(f"{problems} problem(s)", err=True)
        sys.exit(1)
    click.echo("every text has a registered template within its limits")


@templates_group.command("export")
@_PROVIDER
@_REGISTRY
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-")
def templates_export(provider: str | None, registry_path: Path | None, output: Any) -> None:
    """Write the templates to submit to the gateway (CSV: one row per template and language)."""
    import csv

    from app.messaging.template_review import export

    registry = _registry(registry_path)
    writer = csv.writer(output)
    writer.writerow(["provider", "kind", "name", "language", "wording", "variables", "code"])
    for gateway in _gateways(provider):
        for item in export(registry, gateway):
            variables = ";".join(f"{k}<={v}" for k, v in item["variables"].items())
            writer.writerow(
                [
                    gateway,
                    item["kind"],
                    item["name"],
                    item["language"],
                    item["wording"],
                    variables,
                    item["code"],
                ]
            )


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
    prepare_database()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _create_staff(username, role, password, community, department)


@writes
def _create_staff(
    username: str, role: str, password: str, community: str | None, department: str | None
) -> None:
    from app.auth.accounts import AccountError, create_user
    from app.auth.models import StaffRole

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
        click.echo(f"error: {refused}", err=True)
        sys.exit(1)
    click.echo(f"staff user {username} ({role}) created")


@staff_group.command("api-key")
@click.argument("username")
@with_appcontext
def staff_api_key(username: str) -> None:
    """Issue a new Open311 api_key for USERNAME (printed once; replaces the old key)."""
    prepare_database()
    click.echo(_issue_api_key(username))  # printed once it is stored


@writes
def _issue_api_key(username: str) -> str:
    from sqlalchemy import select

    from app.auth.accounts import issue_api_key
    from app.auth.models import StaffUser

    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        click.echo(f"error: no staff user {username!r}", err=True)
        sys.exit(1)
    return issue_api_key(user)
