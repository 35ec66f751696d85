"""Offering a ticket to the people who can handle it, wave by wave, and settling who gets it.

A round starts when a ticket nobody holds needs someone (`start`): a category handled by a unit
goes to that unit's liaison at once; otherwise the best volunteers are texted in waves of
HOTLINE_WAVE_SIZE. A declined or undeliverable offer is replaced by the next candidate; when
every offer of a wave has closed, the next wave goes out (`advance`); after the last one the
ticket is `unassigned` and the community's staff are texted.

First accept wins exactly once: `accept` claims the ticket with a conditional UPDATE checked by
its rowcount (concurrent claimants queue on the row lock and find it taken), and a unique partial
index allows one accepted offer per ticket. Operations flush, never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, exists, func, insert, select, update
from sqlalchemy.orm import Session, lazyload

from app.categories.catalog import category_name
from app.clock import utcnow
from app.communities.models import Department
from app.config import current_settings
from app.db import changed
from app.i18n import text
from app.messaging.delivery import FAILED_STATUSES
from app.messaging.models import Message
from app.messaging.models import Priority as SendPriority
from app.messaging.outbox import Text, call_row, queue_sms, sms_row, suppression, write_queued
from app.phones import dialable
from app.tickets import office, places, routing
from app.tickets.lifecycle import SYSTEM, Actor, IllegalTransition, Move, record, transition
from app.tickets.links import call_url
from app.tickets.models import ActorKind, EventKind, Priority, Ticket
from app.tickets.models import TicketStatus as S
from app.tickets.summary import place, problem_summary
from app.volunteers import matching
from app.volunteers.models import Offer, OfferStatus, Volunteer

# Statuses from which Move.assign may take a ticket: the claim's WHERE clause.
CLAIMABLE = (S.new, S.dispatching, S.unassigned, S.reopened)
STARTABLE = (S.new, S.reopened, S.unassigned)
TOKEN_BYTES = 12  # 96 bits
#: The call flow (and registered voice prompt) offering a ticket to a volunteer on a landline.
VOICE_OFFER_FLOW = "offer"


@dataclass(frozen=True)
class Party:
    """Whoever answers an offer: a volunteer, or a unit through its liaison's phone."""

    volunteer: Volunteer | None = None
    unit: Department | None = None

    @classmethod
    def of(cls, offer: Offer) -> Party:
        return cls(offer.volunteer, offer.unit)

    @property
    def actor(self) -> Actor:
        if self.volunteer is not None:
            return Actor(ActorKind.volunteer, self.volunteer.id, self.volunteer.name)
        assert self.unit is not None
        return Actor(ActorKind.unit, self.unit.id, self.unit.name)

    @property
    def phone(self) -> str:
        if self.volunteer is not None:
            return self.volunteer.phone
        assert self.unit is not None and self.unit.liaison_phone
        return self.unit.liaison_phone

    @property
    def language(self) -> str:
        return self.volunteer.language if self.volunteer is not None else "zh"

    @property
    def by_voice(self) -> bool:
        """No SMS reaches this phone (a volunteer on a landline): offers come as a call."""
        return self.volunteer is not None and self.volunteer.phone_kind == "landline"


def offers_of(parties: list[Party]) -> ColumnElement[bool]:
    """Offers made to any of `parties` (one phone may be a volunteer and a unit's liaison)."""
    volunteer_ids = [p.volunteer.id for p in parties if p.volunteer is not None]
    unit_ids = [p.unit.id for p in parties if p.unit is not None]
    return Offer.volunteer_id.in_(volunteer_ids) | Offer.unit_id.in_(unit_ids)


class Result(StrEnum):
    accepted = "accepted"  # the answerer holds the ticket now
    declined = "declined"  # the decline is recorded
    taken = "taken"  # someone else was first, or the ticket no longer needs anyone
    expired = "expired"  # the offer closed before the answer came


@dataclass(frozen=True)
class Outcome:
    """What an answer to an offer did, and what to tell the person who answered.

    `won`: this very answer took the ticket (and carries the resident's details); an answer
    repeating an earlier accept, or racing it, has the result `accepted` but did not win.
    """

    result: Result
    offer: Offer
    text: Text
    won: bool = False


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def bump(volunteer: Volunteer | None, **deltas: int) -> None:
    """Add to counters in SQL (UPDATE ... SET n = n + 1), so concurrent answers lose nothing."""
    if volunteer is None:
        return
    for name, delta in deltas.items():
        setattr(volunteer, name, getattr(Volunteer, name) + delta)


def start(session: Session, ticket: Ticket, route: routing.Route | None = None) -> None:
    """Begin a round for a ticket nobody holds: its handling unit, or the first wave. A ticket
    with no community yet is held instead (`places.hold`). `route`: the ticket's, if the caller
    has read it already."""
    if ticket.status not in STARTABLE or ticket.assignee_id is not None:
        return
    if not places.has_place(ticket):  # an offer must say where: wait for it, or tell staff
        places.hold(session, ticket)
        return
    last_round = session.scalar(select(func.max(Offer.round)).where(Offer.ticket_id == ticket.id))
    if last_round is not None:  # a ticket handed back holds nobody, whatever an old offer says
        session.execute(
            update(Offer)
            .where(Offer.ticket_id == ticket.id, Offer.status == OfferStatus.accepted)
            .values(status=OfferStatus.withdrawn)
        )
    round_ = (last_round or 0) + 1
    unit = route.unit if route is not None else routing.unit_for(session, ticket)
    if (
        unit is not None
        and unit.liaison_phone
        and not session.scalar(
            select(exists().where(Offer.ticket_id == ticket.id, Offer.unit_id == unit.id))
        )
    ):
        transition(ticket, Move.dispatch, SYSTEM, data={"round": round_, "unit": unit.code})
        _offer(
            session,
            ticket,
            Party(unit=unit),
            round_,
            0,
            None,
            matching.Candidate(0, 0, {"unit": unit.code}),
        )
        return
    transition(ticket, Move.dispatch, SYSTEM, data={"round": round_})
    if not send_wave(session, ticket, round_, 1, current_settings().HOTLINE_WAVE_SIZE):
        no_taker(session, ticket)


def send_wave(session: Session, ticket: Ticket, round_: int, wave: int, size: int) -> int:
    """Text the best `size` candidates; returns how many were asked."""
    config = current_settings()
    urgent = ticket.priority == Priority.urgent
    minutes = config.HOTLINE_URGENT_OFFER_MINUTES if urgent else config.HOTLINE_OFFER_MINUTES
    now = utcnow()
    expires_at = now + timedelta(minutes=minutes)
    found = matching.candidates(session, ticket, size, round_)
    people = _volunteers(session, [c.volunteer_id for c in found])
    # candidates() leaves out numbers that opted out; each volunteer has a number of their own
    asked = [(c, people[c.volunteer_id], new_token()) for c in found]
    texts = [_asking(session, ticket, Party(v), token, opted_out=False) for _, v, token in asked]
    message_ids = write_queued(session, texts)
    rows = [
        _offer_row(ticket, round_, wave, c, token, now)
        | {"volunteer_id": v.id, "unit_id": None, "expires_at": expires_at}
        | {"message_id": message_ids[v.phone]}
        for c, v, token in asked
    ]
    offer_ids = _write_offers(session, rows)
    _count_offers(session, [v for _, v, _ in asked], now)
    sent = [
        {"offer": offer_ids[token], "volunteer": v.id, "score": c.score} for c, v, token in asked
    ]
    if sent:
        record(
            ticket,
            EventKind.offers_sent,
            SYSTEM,
            data={"round": round_, "wave": wave, "offers": sent},
        )
    return len(sent)


_INSERT_OFFERS = insert(Offer).returning(Offer.id, Offer.token)  # built once


def _write_offers(session: Session, rows: list[dict[str, object]]) -> dict[str, int]:
    """A wave's offers in one INSERT (their texts are written already); their ids by token.
    No ORM flush: a wave is the worker's commonest write."""
    if not rows:
        return {}
    written = session.connection().execute(_INSERT_OFFERS, rows)
    return {token: offer_id for offer_id, token in written}


def _volunteers(session: Session, ids: list[int]) -> dict[int, Volunteer]:
    """The candidates in one query; their skills are not needed to text them an offer."""
    if not ids:
        return {}
    query = select(Volunteer).where(Volunteer.id.in_(ids)).options(lazyload(Volunteer.skill_rows))
    return {volunteer.id: volunteer for volunteer in session.scalars(query)}


def _offer(
    session: Session,
    ticket: Ticket,
    party: Party,
    round_: int,
    wave: int,
    expires_at: datetime | None,
    candidate: matching.Candidate,
) -> Offer:
    """Ask one party (a unit, or a volunteer replacing one who declined): the message first,
    so the offer is written once, already pointing at its message."""
    now = utcnow()
    token = new_token()
    message = Message(**_asking(session, ticket, party, token, opted_out=None))
    session.add(message)
    offer = Offer(
        **_offer_row(ticket, round_, wave, candidate, token, now),
        volunteer=party.volunteer,
        unit=party.unit,
        expires_at=expires_at,
        message=message,
    )
    session.add(offer)
    session.flush()
    _count_offers(session, [party.volunteer] if party.volunteer else [], now)
    return offer


def _offer_row(
    ticket: Ticket,
    round_: int,
    wave: int,
    candidate: matching.Candidate,
    token: str,
    now: datetime,
) -> dict[str, Any]:
    """What every offer holds, whoever it asks."""
    return {
        "ticket_id": ticket.id,
        "round": round_,
        "wave": wave,
        "status": OfferStatus.open,
        "token": token,
        "score": candidate.score,
        "reasons": candidate.reasons,
        "created_at": now,
    }


def _asking(
    session: Session, ticket: Ticket, party: Party, token: str, *, opted_out: bool | None
) -> dict[str, object]:
    """The row of the text asking `party` (or of the call, to a volunteer on a landline).
    `opted_out`: the party's, if the caller read it; None looks it up."""
    language = party.language
    values = offer_values(ticket, language)
    if party.by_voice:
        url = call_url(VOICE_OFFER_FLOW, ticket.code)
        return call_row(
            party.phone,
            url,
            priority=SendPriority.offer,
            ticket_id=ticket.id,
            language=language,
            values=values,
        )
    link = ""
    if current_settings().HOTLINE_LINKS_ENABLED:
        link = f"{current_settings().PUBLIC_BASE_URL}/o/{token}"
    urgent = ticket.priority == Priority.urgent
    return sms_row(
        party.phone,
        Text("offer_urgent" if urgent else "offer", language, {**values, "link": link}),
        priority=SendPriority.offer,
        ticket_id=ticket.id,
        suppressed=suppression(session, party.phone, landline=False, opted_out=opted_out),
    )


def offer_values(ticket: Ticket, language: str) -> dict[str, str]:
    """What an offer says before anyone has taken it: no name, number or exact address."""
    return {
        "code": ticket.code,
        "category": category_name(ticket.category_code, language) or ticket.category_code,
        "place": place(ticket, language),
        "summary": problem_summary(ticket.description),
    }


_OFFER_COUNTERS = ("offers_on_day", "offers_day", "offers_total", "last_offered_at")
_TODAY = bindparam("today", type_=Volunteer.offers_day.type)
_COUNT_OFFERS = (  # built once: the count of the day restarts at 1 on a new local day
    update(Volunteer)
    .where(Volunteer.id.in_(bindparam("ids", expanding=True)))
    .values(
        offers_on_day=case((Volunteer.offers_day == _TODAY, Volunteer.offers_on_day + 1), else_=1),
        offers_day=_TODAY,
        offers_total=Volunteer.offers_total + 1,
        last_offered_at=bindparam("now", type_=Volunteer.last_offered_at.type),
    )
)


def _count_offers(session: Session, volunteers: list[Volunteer], now: datetime) -> None:
    """One UPDATE for the volunteers just offered a ticket (a whole wave at once). The objects
    re-read the counters if asked."""
    if not volunteers:
        return
    today = now.astimezone(current_settings().zone).date()
    values = {"ids": [v.id for v in volunteers], "today": today, "now": now}
    session.connection().execute(_COUNT_OFFERS, values)
    for volunteer in volunteers:
        session.expire(volunteer, _OFFER_COUNTERS)


def no_taker(session: Session, ticket: Ticket) -> None:
    """Nobody took it: staff must arrange it; the community's staff phone (or the office's,
    for a ticket without one) is texted."""
    transition(ticket, Move.no_taker, SYSTEM)
    phone = office.staff_phone(ticket)
    if phone is not None:
        values = {
            "code": ticket.code,
            "category": ticket.category.display_name("zh"),
            "place": place(ticket, "zh"),
        }
        queue_sms(
            session,
            phone,
            Text("staff_no_taker", "zh", values),
            ticket_id=ticket.id,
        )


def has_open_offer(session: Session, ticket: Ticket) -> bool:
    return bool(
        session.scalar(
            select(exists().where(Offer.ticket_id == ticket.id, Offer.status == OfferStatus.open))
        )
    )


def advance(session: Session, ticket: Ticket) -> None:
    """Every offer of the wave has closed without a taker: the next wave, or no taker."""
    if ticket.status != S.dispatching or has_open_offer(session, ticket):
        return
    last = session.execute(
        select(Offer.round, Offer.wave)
        .where(Offer.ticket_id == ticket.id)
        .order_by(Offer.round.desc(), Offer.wave.desc())
        .limit(1)
    ).one_or_none()
    round_, wave = last if last is not None else (1, 0)
    config = current_settings()
    if wave < config.HOTLINE_OFFER_WAVES and send_wave(
        session, ticket, round_, wave + 1, config.HOTLINE_WAVE_SIZE
    ):
        return
    no_taker(session, ticket)


def replace(session: Session, offer: Offer) -> None:
    """A volunteer said no or could not be reached: ask the next candidate in the same wave."""
    ticket = offer.ticket
    if ticket.status != S.dispatching:
        return
    if offer.volunteer_id is None or not send_wave(session, ticket, offer.round, offer.wave, 1):
        advance(session, ticket)


def _close(session: Session, offer: Offer, status: OfferStatus) -> bool:
    """Move an open offer to `status`; False if it was no longer open (someone beat us)."""
    closed = changed(
        session.execute(
            update(Offer)
            .where(Offer.id == offer.id, Offer.status == OfferStatus.open)
            .values(status=status, answered_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(offer)
    return bool(closed)


def give_up(session: Session, offer: Offer, status: OfferStatus) -> bool:
    """The offer expired or never arrived: a no-reply on the volunteer's record."""
    if not _close(session, offer, status):
        return False
    bump(offer.volunteer, no_replies=1)
    data = {"offer": offer.id, "volunteer": offer.volunteer_id, "unit": offer.unit_id}
    record(offer.ticket, EventKind(f"offer_{status.value}"), SYSTEM, data=data)
    return True


def accept(session: Session, offer: Offer) -> Outcome:
    """Take the ticket for whoever answered, if nobody was first."""
    party = Party.of(offer)
    ticket = offer.ticket
    if offer.status != OfferStatus.open or is_timed_out(offer):
        return closed_outcome(offer)
    holder = (
        {"assignee_id": offer.volunteer_id} if offer.volunteer_id else {"unit_id": offer.unit_id}
    )
    claimed = changed(
        session.execute(
            update(Ticket)
            .where(
                Ticket.id == ticket.id, Ticket.assignee_id.is_(None), Ticket.status.in_(CLAIMABLE)
            )
            .values(**holder)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(ticket)
    if not claimed:
        _close(session, offer, OfferStatus.taken)
        return closed_outcome(offer)
    if not _close(session, offer, OfferStatus.accepted):
        # Expired by the sweep in the instant between: give the claim back.
        for name in holder:
            setattr(ticket, name, None)
        return closed_outcome(offer)
    transition(ticket, Move.assign, party.actor, data={"offer": offer.id, "score": offer.score})
    bump(offer.volunteer, accepts=1, active_tasks=1)
    _close_open_offers(session, ticket, OfferStatus.taken, keep=offer)
    return Outcome(Result.accepted, offer, won_text(offer), won=True)


def assign_by_hand(session: Session, ticket: Ticket, volunteer: Volunteer, actor: Actor) -> Offer:
    """Staff give the ticket to `volunteer` (agreed on the phone): the same claim as an accept,
    so it cannot also go to someone answering at that moment. The volunteer holds an accepted
    offer (DONE and DROP work as for any taker), the open offers are withdrawn with a text, and
    the load counter matching reads goes up."""
    if ticket.status not in CLAIMABLE or ticket.assignee_id is not None:
        raise IllegalTransition(ticket, Move.assign)
    offer = session.scalar(
        select(Offer).where(Offer.ticket_id == ticket.id, Offer.volunteer_id == volunteer.id)
    )
    if offer is None:  # nobody is asked twice about a ticket: reuse an earlier offer
        round_ = session.scalar(select(func.max(Offer.round)).where(Offer.ticket_id == ticket.id))
        offer = Offer(
            ticket=ticket,
            volunteer=volunteer,
            round=round_ or 1,
            wave=0,
            token=new_token(),
            reasons={"by_hand": True},
            created_at=utcnow(),
        )
        session.add(offer)
        session.flush()
    claimed = changed(
        session.execute(
            update(Ticket)
            .where(
                Ticket.id == ticket.id, Ticket.assignee_id.is_(None), Ticket.status.in_(CLAIMABLE)
            )
            .values(assignee_id=volunteer.id)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(ticket)
    if not claimed:
        raise IllegalTransition(ticket, Move.assign)
    offer.status, offer.answered_at = OfferStatus.accepted, utcnow()
    data = {"offer": offer.id, "volunteer_id": volunteer.id, "volunteer": volunteer.name}
    transition(ticket, Move.assign, actor, data={**data, "by_hand": True})
    bump(volunteer, active_tasks=1)
    _close_open_offers(session, ticket, OfferStatus.withdrawn, keep=offer)
    queue_sms(
        session,
        volunteer.phone,
        won_text(offer),
        ticket_id=ticket.id,
        landline=volunteer.phone_kind == "landline",
    )
    session.flush()
    return offer


def stand_down(session: Session, ticket: Ticket) -> None:
    """The ticket no longer needs volunteers (staff cancel, merge or escalate it): open offers
    are withdrawn with a text, and a holder is released without it counting against them."""
    held = session.scalars(
        select(Offer).where(Offer.ticket_id == ticket.id, Offer.status == OfferStatus.accepted)
    )
    for offer in held:
        offer.status = OfferStatus.withdrawn
        bump(offer.volunteer, active_tasks=-1)
    _close_open_offers(session, ticket, OfferStatus.withdrawn)


def _close_open_offers(
    session: Session, ticket: Ticket, status: OfferStatus, keep: Offer | None = None
) -> None:
    """Close the ticket's open offers (but `keep`) as taken or withdrawn, telling each person."""
    query = select(Offer).where(Offer.ticket_id == ticket.id, Offer.status == OfferStatus.open)
    if keep is not None:
        query = query.where(Offer.id != keep.id)
    template = "offer_taken" if status == OfferStatus.taken else "offer_withdrawn"
    for offer in session.scalars(query).all():
        if _close(session, offer, status):
            party = Party.of(offer)
            notice = Text(template, party.language, {"code": ticket.code})
            queue_sms(session, party.phone, notice, ticket_id=ticket.id, landline=party.by_voice)


def won_text(offer: Offer) -> Text:
    """The ticket's details for its new holder: only now do they learn who and where."""
    ticket = offer.ticket
    resident = ticket.resident
    language = Party.of(offer).language
    address = ticket.address or (resident.address if resident else "")
    values = {
        "code": ticket.code,
        "summary": problem_summary(ticket.description, hide=False),
        # Never an empty slot ("刘婆婆，，电话…"): an unnamed resident, the community and building.
        "resident": (resident.name if resident else "") or text(language, "resident"),
        "address": address or place(ticket, language),
        "phone": dialable(resident.phone, current_settings().HOTLINE_REGION) if resident else "",
    }
    return Text("offer_won", language, values)


def decline(session: Session, offer: Offer) -> Outcome:
    party = Party.of(offer)
    if offer.status != OfferStatus.open or is_timed_out(offer):
        return closed_outcome(offer)
    if not _close(session, offer, OfferStatus.declined):
        return closed_outcome(offer)
    bump(offer.volunteer, declines=1)
    record(offer.ticket, EventKind.offer_declined, party.actor, data={"offer": offer.id})
    replace(session, offer)
    return Outcome(Result.declined, offer, closed_outcome(offer).text)


def reconsider(session: Session, offer: Offer) -> Outcome:
    """A "no" taken back ("2", then "按错了，我可以去") while the offer's time runs: it opens
    again and is accepted, unless someone took the ticket meanwhile (then they hear so)."""
    if offer.status != OfferStatus.declined or is_timed_out(offer):
        return closed_outcome(offer)
    reopened = changed(
        session.execute(
            update(Offer)
            .where(Offer.id == offer.id, Offer.status == OfferStatus.declined)
            .values(status=OfferStatus.open, answered_at=None)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(offer)
    if not reopened:
        return closed_outcome(offer)
    bump(offer.volunteer, declines=-1)
    return accept(session, offer)


def is_timed_out(offer: Offer) -> bool:
    return offer.expires_at is not None and offer.expires_at <= utcnow()


def closed_outcome(offer: Offer) -> Outcome:
    """What to say to an answer on an offer that is no longer open."""
    language = Party.of(offer).language
    code = offer.ticket.code
    if offer.status == OfferStatus.accepted:
        return Outcome(Result.accepted, offer, won_text(offer))
    if offer.status == OfferStatus.declined:
        return Outcome(Result.declined, offer, Text("offer_declined", language, {"code": code}))
    if offer.status in (OfferStatus.taken, OfferStatus.withdrawn):
        return Outcome(Result.taken, offer, Text("offer_taken", language, {"code": code}))
    # Their own task, finished or given back: say so, not that the offer expired.
    template = _AFTER_THE_TASK.get(offer.status, "offer_expired")
    return Outcome(Result.expired, offer, Text(template, language, {"code": code}))


_AFTER_THE_TASK = {OfferStatus.completed: "task_done", OfferStatus.dropped: "task_dropped"}


def delivery_failed(session: Session, message: Message) -> None:
    """The offer SMS never arrived: count it as no reply and ask the next candidate."""
    if message.status not in FAILED_STATUSES:
        return
    offer = session.scalar(
        select(Offer).where(Offer.message_id == message.id, Offer.status == OfferStatus.open)
    )
    if offer is not None and give_up(session, offer, OfferStatus.failed):
        replace(session, offer)
