"""The offer link /o/<token>: a page with the task and Accept / Decline buttons.

Link previews (chat apps, mail scanners) fetch the page before people do, so GET only shows;
the POST from the page's form (CSRF-protected) is what answers. The token is the offer's own:
unguessable, answered once, and useless after the offer closes.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from app.config import current_settings
from app.db import db
from app.i18n import text
from app.messaging.outbox import queue_sms
from app.tickets.links import keep_private
from app.volunteers import dispatch
from app.volunteers.dispatch import Outcome, Party, Result
from app.volunteers.models import Offer, OfferStatus

bp = Blueprint("offers", __name__, template_folder="templates")
bp.after_request(keep_private)  # the token is the page's only key: never cached, never a Referer

# The page's words, from the catalog's ``offer_page_`` messages.
PAGE_WORDS: tuple[str, ...] = ("title", "request", "where", "accept", "decline", "open_until")
PAGE_WORDS += ("accepted", "yours", "declined", "taken", "expired")


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
        t={word: text(language, f"offer_page_{word}") for word in PAGE_WORDS},
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
    zone = current_settings().zone
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
