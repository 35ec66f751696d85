"""The department liaison's page behind /d/<token>: GET shows the ticket, POST answers it once
(done with a note, or returned to the community with a reason)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from app.config import current_settings
from app.db import db
from app.tickets.escalation import department_done, department_return, usable_link, use_link
from app.tickets.lifecycle import IllegalTransition
from app.tickets.links import gone, keep_private
from app.tickets.models import LiaisonLink
from app.tickets.summary import place

bp = Blueprint("liaison", __name__)
bp.after_request(keep_private)


@bp.get("/d/<token>")
def liaison_page(token: str) -> str | tuple[str, int]:
    link = usable_link(db.session, token)
    if link is None:
        return gone()
    return _page(link)


@bp.post("/d/<token>")
def liaison_answer(token: str) -> str | tuple[str, int]:
    link = usable_link(db.session, token)
    if link is None:
        return gone()
    action = request.form.get("action")
    note = request.form.get("note", "").strip()[:500]
    if action not in ("done", "return"):
        abort(400, description="unknown action")
    if action == "return" and not note:
        return _page(link, error="请写明退回原因 / Please give a reason."), 400
    if not use_link(db.session, link):  # another tap on the link came first
        return gone()
    answer = department_done if action == "done" else department_return
    try:
        answer(db.session, link.ticket, link.department, note)
    except IllegalTransition:  # answered by SMS at the same moment
        db.session.rollback()
        return gone()
    db.session.commit()
    if action == "done":
        zh, en = "已记为办结，谢谢。", "Recorded as done. Thank you."
    else:
        zh, en = "已退回社区，原因已记录。", "Returned to the community with your reason."
    return render_template("public/done.html", zh=zh, en=en)


def _page(link: LiaisonLink, error: str = "") -> str:
    ticket = link.ticket
    assert ticket.due_at is not None
    due = ticket.due_at.astimezone(current_settings().zone)
    return render_template(
        "public/liaison.html",
        ticket=ticket,
        category_zh=ticket.category.name_zh,
        category_en=ticket.category.name_en,
        # The unit goes there: where, as the volunteer who takes a ticket learns it.
        place_zh=place(ticket, "zh"),
        place_en=place(ticket, "en"),
        due=f"{due:%Y-%m-%d %H:%M}",
        error=error,
    )
