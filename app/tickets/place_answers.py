"""A stranger's answer to "which community, what address?": it fills the ticket's place.

Sits in the inbound chain just before the resident's words, so the answer never opens (or is
appended to) a ticket; nor does a correction of it ("不对，是3栋"). Commands, thank-yous and
texts that do not read like a place fall through.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.messaging import optouts
from app.messaging.courtesy import is_courtesy
from app.messaging.inbound import Answer, Inbound
from app.residents import directory
from app.residents.models import Resident
from app.tickets import places
from app.tickets.intake import resident_actor
from app.tickets.resident_commands import COMMAND_WORDS, split_command


def handle(session: Session, inbound: Inbound) -> Answer | None:
    word, _ = split_command(inbound.word)
    if word in COMMAND_WORDS or word in optouts.OPT_IN_WORDS or is_courtesy(inbound.body):
        return None
    resident = inbound.sender.resident
    if resident is None:
        return None
    if resident.community_id is not None:  # nothing to ask a placed one; a correction, maybe
        return corrected(session, resident, inbound)
    directory.hold(session, resident)  # two answers at once: the second finds the place given
    ticket = places.awaiting_answer(session, resident)
    if ticket is None or not places.reads_like_place(session, inbound.body):
        return None
    places.fill(session, ticket, resident_actor(resident), inbound.body)
    return Answer(places.noted(ticket, resident.language), ticket.id)


def corrected(session: Session, resident: Resident, inbound: Inbound) -> Answer | None:
    """ "不对，说错了，是3栋2单元301" after giving a place: the place is corrected."""
    if not places.says_corrected(inbound.body) or not places.reads_like_place(
        session, inbound.body
    ):
        return None
    ticket = places.recently_placed(session, resident)
    if ticket is None:
        return None
    places.correct(session, ticket, resident_actor(resident), inbound.body)
    return Answer(places.noted(ticket, resident.language), ticket.id)
