"""Escalation to a street department, and the department's answer: done, or returned.

A department has HOTLINE_DEPARTMENT_DEADLINE_HOURS (72 h) from escalation to solve or answer.
Its liaison is texted the code and a summary (and a /d/<token> page link when links are on) and
answers by reply (已处理/DONE <note>, 退回/RETURN <reason>) or on the page.

Clock rule for a return: the department's time stops; the community gets a fresh community
deadline (24 h) from the moment of the return, since the ticket is new to it again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.categories.models import Category
from app.clock import utcnow
from app.communities.models import Department, UnitKind
from app.config import current_settings
from app.db import claim
from app.messaging.outbox import Text, queue_sms
from app.tickets import office, resolution, routing
from app.tickets.due_dates import set_community_deadline, set_deadline
from app.tickets.lifecycle import SYSTEM, Actor, Move, transition
from app.tickets.links import links_enabled, new_token, public_url
from app.tickets.models import ActorKind, LiaisonLink, Ticket, TicketStatus
from app.tickets.summary import problem_summary


def unit_actor(department: Department) -> Actor:
    return Actor(ActorKind.unit, department.id, department.code)


def escalate(
    session: Session, ticket: Ticket, department: Department, actor: Actor, reason: str
) -> Ticket:
    """Hand `ticket` to `department` on the department deadline, and text its liaison."""
    transition(ticket, Move.escalate, actor, reason=reason, data={"department": department.code})
    ticket.unit = department
    ticket.assignee = None  # the department holds it now, not a volunteer
    set_deadline(ticket, utcnow(), current_settings().HOTLINE_DEPARTMENT_DEADLINE_HOURS)
    _text_liaison(session, ticket, department)
    session.flush()
    return ticket


def auto_escalate(session: Session, ticket: Ticket, route: routing.Route) -> bool:
    """At intake: a category its street's department handles is escalated to it (e.g. admin
    -> that street's 民政办); one only other streets' units handle goes to staff, never to
    another street's unit. False: dispatch it (volunteers, or a partner unit's liaison)."""
    unit = route.unit
    if unit is not None:
        if unit.kind is not UnitKind.department:
            return False
        escalate(session, ticket, unit, SYSTEM, f"category {ticket.category_code} is {unit.code}'s")
        return True
    if ticket.community_id is None or not route.elsewhere:
        return False  # without a place the street is unknown: dispatch holds it for one
    _to_staff(session, ticket)
    return True


def _to_staff(session: Session, ticket: Ticket) -> None:
    """No unit of the ticket's street handles its category: staff arrange it, told why."""
    street = routing.street_name(session, ticket, "zh")
    transition(ticket, Move.no_unit, SYSTEM, reason=f"{street}: {ticket.category_code}")
    phone = office.staff_phone(ticket)
    if phone is not None:
        values = {
            "code": ticket.code,
            "category": ticket.category.display_name("zh"),
            "street": street,
        }
        queue_sms(session, phone, Text("staff_no_unit", "zh", values), ticket_id=ticket.id)
    session.flush()


def department_done(session: Session, ticket: Ticket, department: Department, note: str) -> None:
    """The department solved or answered it: resolved, the resident is told, and the survey
    sweep takes over."""
    resolution.resolve(session, ticket, unit_actor(department), note)
    session.flush()


def department_return(
    session: Session, ticket: Ticket, department: Department, reason: str
) -> None:
    """The department sends it back: new again for community dispatch, on a fresh deadline."""
    transition(ticket, Move.return_, unit_actor(department), reason=reason)
    ticket.unit = None
    set_community_deadline(ticket, utcnow())
    session.flush()


def held_by(session: Session, department_ids: list[int]) -> list[Ticket]:
    """Escalated tickets waiting on these departments, oldest first."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.unit_id.in_(department_ids), Ticket.status == TicketStatus.escalated)
            .order_by(Ticket.escalated_at)
        )
    )


def recently_done_by(session: Session, department_ids: list[int]) -> Ticket | None:
    """The ticket these departments reported done last, within a day: a second 已处理 is
    about it."""
    return session.scalar(
        select(Ticket)
        .where(
            Ticket.unit_id.in_(department_ids),
            Ticket.status.in_([TicketStatus.resolved, TicketStatus.closed]),
            Ticket.resolved_at >= utcnow() - timedelta(days=1),
        )
        .order_by(Ticket.resolved_at.desc())
        .limit(1)
    )


def usable_link(session: Session, token: str) -> LiaisonLink | None:
    """The link for `token` if it is unused, unexpired and its ticket still awaits the unit."""
    link = session.scalar(select(LiaisonLink).where(LiaisonLink.token == token))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    ticket = link.ticket
    if ticket.unit_id != link.department_id or ticket.status != TicketStatus.escalated:
        return None
    return link


def use_link(session: Session, link: LiaisonLink) -> bool:
    """Spend the link (it acts once): False if a concurrent answer already spent it."""
    return claim(session, link, LiaisonLink.used_at.is_(None), used_at=utcnow())


def _text_liaison(session: Session, ticket: Ticket, department: Department) -> None:
    if not department.liaison_phone:
        return
    category = session.get(Category, ticket.category_code)
    values: dict[str, object] = {
        "code": ticket.code,
        "category": category.name_zh if category else ticket.category_code,
        "summary": problem_summary(ticket.description),
        "hours": current_settings().HOTLINE_DEPARTMENT_DEADLINE_HOURS,
    }
    template = "department_escalated"
    if links_enabled():
        link = LiaisonLink(
            token=new_token(),
            ticket=ticket,
            department=department,
            expires_at=utcnow() + timedelta(hours=current_settings().HOTLINE_LINK_TTL_HOURS),
        )
        session.add(link)
        values["link"] = public_url(f"/d/{link.token}")
        template = "department_escalated_link"
    queue_sms(session, department.liaison_phone, Text(template, "zh", values), ticket_id=ticket.id)
