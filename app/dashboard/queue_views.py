"""The queue: filters, pages, saved filters, live updates of changed rows, CSV downloads."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from flask import (
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import delete, select
from werkzeug.wrappers import Response as BaseResponse

from app.auth.scope import sees_all_communities
from app.auth.web import language, login_required
from app.categories.models import Category
from app.clock import utcnow
from app.communities.models import Community
from app.dashboard import queries
from app.dashboard.blueprint import bp
from app.dashboard.countdown import countdown
from app.dashboard.models import SavedFilter
from app.dashboard.notices import notify
from app.dashboard.ticket_csv import download, tickets_csv
from app.db import db
from app.tickets.models import Channel, Priority, Ticket, TicketStatus

POLL_SECONDS = 5
# A change committed just after a poll may carry a time just before it: look back this far.
OVERLAP = timedelta(seconds=10)
MAX_SAVED = 30


def _filters() -> queries.QueueFilters:
    return queries.QueueFilters.parse(request.args)


def _page(filters: queries.QueueFilters) -> queries.QueuePage:
    return queries.queue(db.session, g.user, filters, current_app.config["HOTLINE_REGION"])


def _row(ticket: Ticket, now: datetime) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "left": queries.time_left(ticket, now),
        "countdown": countdown(ticket, now, language()),
    }


@bp.get("/")
@login_required
def queue() -> str:
    filters = _filters()
    session = db.session
    communities = (
        list(session.scalars(select(Community).order_by(Community.code)))
        if sees_all_communities(g.user)
        else []
    )
    found = _page(filters)
    now = utcnow()
    saved = session.scalars(
        select(SavedFilter).where(SavedFilter.user_id == g.user.id).order_by(SavedFilter.name)
    )
    return render_template(
        "dashboard/queue.html",
        filters=filters,
        communities=communities,
        categories=list(session.scalars(select(Category).order_by(Category.position))),
        statuses=list(TicketStatus),
        channels=list(Channel),
        poll_seconds=POLL_SECONDS,
        found=found,
        rows=[_row(t, now) for t in found.tickets],
        now=now,
        saved=list(saved),
    )


@bp.get("/queue/changes")
@login_required
def queue_changes() -> Response:
    """What the open page needs to catch up: every row's order and countdown, and the HTML
    of rows that changed since `since` (the server time of the last answer) or that the page
    does not have yet (`have`: the codes it shows). Unchanged rows are not sent again."""
    filters = _filters()
    found = _page(filters)
    now = utcnow()
    since = _instant(request.args.get("since", ""))
    have = set(request.args.get("have", "").split(",")[: queries.PAGE_SIZE * 2])
    rows = []
    for ticket in found.tickets:
        row = _row(ticket, now)
        changed = since is None or ticket.updated_at > since - OVERLAP or ticket.code not in have
        rows.append(
            {
                "code": ticket.code,
                "left": row["left"],
                "countdown": row["countdown"],
                "urgent": ticket.priority is Priority.urgent,
                "html": render_template("dashboard/_queue_row.html", **row) if changed else None,
            }
        )
    return jsonify(now=now.isoformat(), total=found.total, pages=found.pages, rows=rows)


def _instant(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))  # "+00:00" sent unescaped
    except ValueError:
        return None
    return moment if moment.tzinfo else None


@bp.get("/queue.csv")
@login_required
def queue_csv() -> Response:
    """The queue as filtered, every page of it."""
    tickets = queries.queue_export(
        db.session, g.user, _filters(), current_app.config["HOTLINE_REGION"]
    )
    stamp = utcnow().astimezone(ZoneInfo(current_app.config["HOTLINE_TIMEZONE"]))
    text = tickets_csv(tickets, language(), current_app.config["HOTLINE_TIMEZONE"])
    return download(text, f"queue-{stamp:%Y%m%d-%H%M}.csv")


@bp.get("/tickets.csv")
@login_required
def period_csv() -> Response:
    """Every ticket in scope received from `start` to `end` (local dates, both included)."""
    timezone = current_app.config["HOTLINE_TIMEZONE"]
    zone = ZoneInfo(timezone)
    first, last = queries.period(request.args, utcnow().astimezone(zone).date())
    start, end = queries.period_bounds(first, last, zone)
    tickets = queries.received_between(db.session, g.user, start, end)
    text = tickets_csv(tickets, language(), timezone)
    return download(text, f"tickets-{first:%Y%m%d}-{last:%Y%m%d}.csv")


@bp.post("/queue/filters")
@login_required
def save_filter() -> BaseResponse:
    """Keep the current filters under a name, for this user only (same name: replaced)."""
    name = request.form.get("name", "").strip()[:60]
    filters = queries.QueueFilters.parse(dict(parse_qsl(request.form.get("query", "")[:500])))
    query = urlencode(filters.query_args(page=1))
    session = db.session
    mine = select(SavedFilter).where(SavedFilter.user_id == g.user.id)
    if not name:
        notify("filter_needs_name", "error")
    elif len(list(session.scalars(mine))) >= MAX_SAVED:
        notify("filter_too_many", "error", str(MAX_SAVED))
    else:
        existing = session.scalar(mine.where(SavedFilter.name == name))
        if existing is None:
            session.add(SavedFilter(user_id=g.user.id, name=name, query=query))
        else:
            existing.query = query
        session.commit()
        notify("filter_saved", "ok", name)
    return redirect(url_for("dashboard.queue") + (f"?{query}" if query else ""), code=303)


@bp.post("/queue/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id: int) -> BaseResponse:
    db.session.execute(
        delete(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.user_id == g.user.id)
    )
    db.session.commit()
    notify("filter_deleted", "ok")
    return redirect(url_for("dashboard.queue"), code=303)
