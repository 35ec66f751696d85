"""Every request gets an id, a trace, a log line and its place in the metrics; `/metrics` serves
them to a Prometheus that presents the configured token."""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from functools import lru_cache

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import Counter, Histogram
from werkzeug.wrappers import Response as BaseResponse

from app.db import db
from app.operations import metrics, tracing

log = logging.getLogger("app.requests")
bp = Blueprint("operations", __name__)

# Form fields that carry the provider's id of what arrived: the trace for everything it causes.
PROVIDER_IDS = ("MessageSid", "CallSid", "SmsSid")


def _start() -> None:
    g.started = time.perf_counter()
    g.request_id = secrets.token_hex(8)
    provider_id = None
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        form = request.form  # `in`, not get(), which raises and catches for a missing key
        provider_id = next((form[k] for k in PROVIDER_IDS if k in form and form[k]), None)  # noqa: RUF019
    g.trace_token = tracing.bind(request_id=g.request_id, trace=(provider_id or g.request_id)[:64])


def _finish(response: BaseResponse) -> BaseResponse:
    route = request.url_rule.rule if request.url_rule else "unmatched"
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    answered, latency = _series(route, request.method, response.status_code)
    answered.inc()
    latency.observe(seconds)
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    log.log(
        level,
        "%s %s answered %s",
        request.method,
        route,
        response.status_code,
        extra={"status": response.status_code, "ms": round(seconds * 1000, 1)},
    )
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
    return response


@lru_cache(maxsize=1024)  # routes x methods x statuses: a few dozen
def _series(route: str, method: str, status: int) -> tuple[Counter, Histogram]:
    """The request counter and latency histogram of one kind of answer (`labels()` finds them
    under a lock, every time)."""
    counter = metrics.REQUESTS.labels(route, method, str(status))
    return counter, metrics.LATENCY.labels(route, method)


def _end(_: BaseException | None) -> None:
    token = g.pop("trace_token", None)
    if token is not None:
        tracing.unbind(token)


@bp.get("/metrics")
def scrape() -> Response:
    """Prometheus text format; 404 unless HOTLINE_METRICS_TOKEN is set, 401 without it."""
    expected = current_app.config["HOTLINE_METRICS_TOKEN"]
    if not expected:
        abort(404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return Response(
            "metrics: a bearer token is required\n", 401, {"WWW-Authenticate": "Bearer"}
        )
    body = metrics.exposition(db.session)
    db.session.rollback()
    return Response(body, content_type="text/plain; version=0.0.4; charset=utf-8")


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_end)
    app.register_blueprint(bp)
