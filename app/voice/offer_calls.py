"""Offers answered on the phone, and residents told by phone, for people without SMS.

A volunteer without a smartphone (a landline) is called about a ticket: 1 takes it, 2 declines,
through the same `dispatch.accept` / `decline` as a texted "1" or "2", so the first to take it
still wins. Twilio runs the offer flow and the app settles the key before the flow goes on (the
winner hears the address in the same call); a domestic gateway plays its registered prompt and
reports the key afterwards, so the winner is called again with the details. A call nobody
picked up is an offer that never arrived: the next candidate is asked at once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ivr.flows import Flow, MenuNode
from app.messaging.models import Priority
from app.messaging.outbox import queue_call
from app.tickets.links import call_url
from app.voice.models import Call, CallOutcome
from app.volunteers import dispatch
from app.volunteers.dispatch import Outcome, Party, Result
from app.volunteers.models import Offer, OfferStatus, Volunteer

WON_FLOW = "offer_won"  # a gateway's second call to the winner, with the details
ANSWERS = ("accept", "decline")


def offer_by_call(session: Session, call: Call) -> Offer | None:
    """The offer this call made: the called volunteer's newest offer of the call's ticket."""
    if call.ticket_id is None:
        return None
    return session.scalar(
        select(Offer)
        .join(Volunteer, Offer.volunteer_id == Volunteer.id)
        .where(Offer.ticket_id == call.ticket_id, Volunteer.phone == call.caller)
        .order_by(Offer.id.desc())
        .limit(1)
    )


def won_values(offer: Offer) -> dict[str, str]:
    """What the one who took it hears: who, where and the number to ring."""
    return {k: str(v) for k, v in dispatch.won_text(offer).values.items()}


def settle(session: Session, call: Call, flow: Flow, node: str | None, keys: str) -> Outcome | None:
    """Apply the key pressed at the offer menu (``node``; any keyed menu when the gateway does
    not say): accept or decline the offer. None when the key answers nothing."""
    menus = [flow.nodes.get(node)] if node else list(flow.nodes.values())
    key = keys.strip()[:1]
    for menu in menus:
        if isinstance(menu, MenuNode) and menu.store and key in menu.options:
            value = menu.options[key].value
            offer = offer_by_call(session, call) if value in ANSWERS else None
            if offer is None:
                return None
            call.outcome = CallOutcome.answered
            if value == "accept":
                return dispatch.accept(session, offer)
            return dispatch.decline(session, offer)
    return None


def call_the_winner(session: Session, outcome: Outcome | None) -> None:
    """After a gateway reported the "1" that won: call again with the details (the gateway's
    prompt could not say them, the answer was not known while it played)."""
    if outcome is None or outcome.result is not Result.accepted:
        return
    offer = outcome.offer
    party = Party.of(offer)
    queue_call(
        session,
        party.phone,
        call_url(WON_FLOW, offer.ticket.code),
        priority=Priority.offer,
        ticket_id=offer.ticket_id,
        language=party.language,
        values=won_values(offer),
    )


def unreached(session: Session, call: Call) -> None:
    """The offer call was not picked up (busy, no answer, failed): ask the next candidate."""
    offer = offer_by_call(session, call)
    if offer is None or offer.status != OfferStatus.open:
        return
    if dispatch.give_up(session, offer, OfferStatus.failed):
        dispatch.replace(session, offer)
