"""The offer link /o/<token>: a page with the task and Accept / Decline buttons.

Link previews (chat apps, mail scanners) fetch the page before people do, so GET only shows;
the POST from the page's form (CSRF-protected) is what answers. The token is the offer's own:
unguessable, answered once, and useless after the offer closes.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request

from app.db import db
from app.messaging.outbox import queue_sms
from app.tickets.links import keep_private
from app.volunteers import dispatch
from app.volunteers.dispatch import Outcome, Party, Result
from app.volunteers.models import Offer, OfferStatus

bp = Blueprint("offers", __name__, template_folder="templates")
bp.after_request(keep_private)  # the token is the page's only key: never cached, never a Referer

WORDING = {
    "zh": {
        "title": "求助任务",
        "request": "求助",
        "where": "地点",
        "accept": "接单",
        "decline": "不接",
        "open_until": "请在此时间前回复",
        "accepted": "您已接单。住户信息已发到您的手机：",
        "yours": "您已接了这个任务，住户信息已发到您的手机。",
        "declined": "已记录您不接这个任务，谢谢。",
        "taken": "这个任务已有人接了，谢谢您！",
        "expired": "这个邀请已过期或已回复，谢谢您。",
    },
    "en": {
        "title": "Request",
        "request": "Request",
        "where": "Where",
        "accept": "Take it",
        "decline": "Decline",
        "open_until": "Please answer before",
        "accepted": "It is yours. The resident's details were also texted to you:",
        "yours": "You have taken this request; the resident's details were texted to you.",
        "declined": "Noted: you will not take this one. Thank you.",
        "taken": "Someone else has already taken this request. Thank you!",
        "expired": "This offer has expired or was already answered. Thank you.",
    },
}


def _offer(token: str) -> Offer:
    offer = db.session.query(Offer).filter_by(token=token).one_or_none()
    if offer is None:
        abort(404)
    return offer


def _page(offer: Offer, state: str, details: str = "") -> str:
    language = Party.of(offer).language
    ticket = offer.ticket
    return render_template(
        "volunteers/offer.html",
        t=WORDING.get(language, WORDING["zh"]),
        lang=language,
        state=state,
        details=details,
        code=ticket.code,
        category=ticket.category.display_name(language),
        community=ticket.community.display_name(language) if ticket.community else "",
        building=ticket.building,
        expires_at=_local_time(offer),
    )


def _local_time(offer: Offer) -> str:
    if offer.expires_at is None:
        return ""
    zone = ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])
    return offer.expires_at.astimezone(zone).strftime("%H:%M")


def _state(outcome: Outcome) -> str:
    """The page for an answer: an accepted offer that this answer did not win is "yours"
    (the details went out once, with the winning answer; nobody holding the link gets them
    again)."""
    if outcome.result == Result.accepted and not outcome.won:
        return "yours"
    return outcome.result.value


@bp.get("/o/<token>")
def show(token: str) -> str:
    offer = _offer(token)
    if offer.status == OfferStatus.open and not dispatch.is_timed_out(offer):
        return _page(offer, "open")
    return _page(offer, _state(dispatch.closed_outcome(offer)))


@bp.post("/o/<token>")
def answer(token: str) -> str:
    offer = _offer(token)
    choice = request.form.get("answer")
    if choice not in ("accept", "decline"):
        abort(400)
    outcome = (dispatch.accept if choice == "accept" else dispatch.decline)(db.session, offer)
    details = ""
    if outcome.won:
        details = outcome.text.body
        queue_sms(db.session, Party.of(offer).phone, outcome.text, ticket_id=offer.ticket_id)
    db.session.commit()
    return _page(offer, _state(outcome), details)
