"""`hotline serve` hands the server a thread with no transaction open: on SQLite an open one
holds the write lock that the worker thread and every request would wait on."""

from __future__ import annotations

from click.testing import CliRunner

from app.cli import build_cli
from app.config import install
from app.db import db


def test_serve_starts_the_server_with_no_transaction_open(app, monkeypatch, tmp_path):
    seen: dict[str, bool] = {}

    def run_simple(host: str, port: int, application: object, **options: object) -> None:
        seen["in_transaction"] = db.session().in_transaction()

    monkeypatch.setattr("werkzeug.serving.run_simple", run_simple)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("SECRET_KEY", "serve-test")
    try:
        for start in ("first start", "restart"):  # an empty database, then one in use
            result = CliRunner().invoke(build_cli(), ["serve", "--port", "0"])
            assert result.exit_code == 0, result.output
            assert seen == {"in_transaction": False}, start
    finally:
        install(app.config["SETTINGS"])  # the command built its own app
