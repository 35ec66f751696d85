"""Liveness for load balancers, and a clean 503 whenever the database cannot take the request.

A database that is down, restarting, read-only or out of disk makes every request fail the same
way: 503 with Retry-After, quickly, after the transaction is rolled back. Twilio then retries
or uses the number's fallback URL; nothing was acknowledged that was not stored.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.clock import utcnow
from app.db import db
from app.operations import readiness

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (
    "服务暂时不可用，请稍后再试。\nService temporarily unavailable, please try again shortly.\n"
)
# Errors that mean "not now" rather than "this statement is wrong". PostgreSQL SQLSTATE classes:
# 08 connection, 53 out of resources (disk full, too many connections), 57 shutting down or
# starting up; and read-only transaction, serialization failure, deadlock, lock not available.
UNAVAILABLE_CLASSES = {"08", "53", "57"}
UNAVAILABLE_STATES = {"25006", "40001", "40P01", "55P03"}
# SQLite primary result codes: busy, locked, read-only, I/O error, full, cannot open.
SQLITE_UNAVAILABLE = {5, 6, 8, 10, 13, 14}


@bp.get("/healthz")
def healthz() -> Response | tuple[dict[str, str], int]:
    """200 when the database answers; 503 with Retry-After for anything else, never a 500."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as error:  # whatever stops the database, the answer is 503
        _forget_transaction()
        log.warning("health check failed, answering 503: %s", error)
        return unavailable_response()
    return {"status": "ok"}, 200


@bp.get("/readyz")
def readyz() -> tuple[dict[str, object], int] | Response:
    """Ready when the database answers, a worker holds the sweep lease and the outbox moves;
    503 with each reading otherwise (a load balancer or a person can see which)."""
    try:
        found = readiness.readings(db.session, utcnow())
        db.session.rollback()
    except Exception as error:  # a database that cannot answer: not ready, never a 500
        _forget_transaction()
        log.warning("readiness check failed, answering 503: %s", error)
        return unavailable_response()
    ready = all(reading.ok for reading in found.values())
    checks = {name: {"ok": r.ok, "detail": r.detail} for name, r in found.items()}
    return {"ready": ready, "checks": checks}, 200 if ready else 503


def unavailable_response() -> Response:
    """The one "not now" answer: 503, bilingual text, Retry-After."""
    response = Response(UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _forget_transaction() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.registry.remove()  # the connection is gone; the pool replaces it


def database_unavailable(error: DBAPIError | PoolTimeout) -> bool:
    """True when `error` says the database cannot serve anyone now (not that a query is wrong)."""
    if isinstance(error, PoolTimeout) or error.connection_invalidated:
        return True
    sqlite_code = getattr(error.orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in SQLITE_UNAVAILABLE
    state = getattr(error.orig, "sqlstate", None)
    if state:
        return state[:2] in UNAVAILABLE_CLASSES or state in UNAVAILABLE_STATES
    return isinstance(error, OperationalError | InterfaceError)  # no answer at all: unreachable


def init_app(app: Flask) -> None:
    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def unavailable(error: DBAPIError | PoolTimeout) -> Response:
        _forget_transaction()
        if not database_unavailable(error):
            raise error
        log.warning("database unavailable, answering 503: %s", error)
        return unavailable_response()
