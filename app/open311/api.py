"""The GeoReport v2 endpoints (JSON only). Reads are public; POST needs a staff api_key."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from app.auth.accounts import user_by_api_key
from app.auth.models import StaffUser
from app.categories.models import Category
from app.config import current_settings
from app.db import db
from app.open311.requests import (
    Open311Error,
    Search,
    as_request,
    create_request,
    in_scope,
    search,
    service,
)
from app.tickets.models import Ticket

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")


@bp.errorhandler(Open311Error)
def error(failure: Open311Error) -> tuple[Response, int]:
    return jsonify([{"code": failure.code, "description": failure.description}]), failure.code


@bp.get("/services.json")
def services() -> Response:
    rows = db.session.scalars(select(Category).order_by(Category.position))
    return jsonify([service(c) for c in rows])


@bp.get("/requests.json")
def requests() -> Response:
    reader = _key_holder()
    found = search(db.session, Search.parse(request.args))
    return _as_requests(reader, found)


@bp.get("/requests/<code>.json")
def one_request(code: str) -> Response:
    reader = _key_holder()
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == code))
    if ticket is None:
        raise Open311Error(404, f"no service request {code}")
    return _as_requests(reader, [ticket])


def _key_holder() -> StaffUser | None:
    """The staff user whose `api_key` came with a read; None without one; a wrong key is a 403
    (a client that meant to send one learns so, instead of silently reading less)."""
    key = request.args.get("api_key", "")
    if not key:
        return None
    user = user_by_api_key(db.session, key)
    if user is None:
        raise Open311Error(403, "the api_key is not valid")
    return user


def _as_requests(reader: StaffUser | None, tickets: list[Ticket]) -> Response:
    timezone = current_settings().HOTLINE_TIMEZONE
    readable = in_scope(db.session, reader, tickets)
    return jsonify([as_request(t, timezone, own_words=t.id in readable) for t in tickets])


@bp.post("/requests.json")
def post_request() -> Response:
    user = user_by_api_key(db.session, request.form.get("api_key", ""))
    if user is None:
        raise Open311Error(403, "a valid api_key is required")
    try:
        ticket = create_request(
            db.session, user, request.form.to_dict(), current_settings().HOTLINE_REGION
        )
    except Open311Error:
        db.session.rollback()
        raise
    db.session.commit()
    return jsonify([{"service_request_id": ticket.code, "service_notice": "", "account_id": None}])
