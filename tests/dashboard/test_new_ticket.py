"""Staff take the call: the new-ticket page looks the caller up as the number is typed and
opens the ticket through the same intake as a text (same rules, dispatch and SMS reply), from
a call put through or a missed one too; in scope, with CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.dashboard.models import CallBack
from app.db import db
from app.messaging.models import Message, MessageStatus
from app.residents.models import Resident
from app.tickets.models import ActorKind, Channel, Priority, Ticket, TicketStatus
from app.voice.models import Call, CallDirection, CallOutcome, CallPurpose
from tests.support.office import DUTY, MOBILE, as_user, office_street
from tests.support.staff import csrf_token, post_form
from tests.support.texting import replies, run_jobs, text_line
from tests.volunteers import factories as f
from tests.volunteers.factories import offers, sent_to

NEW = "/dashboard/tickets/new"
LANDLINE = "+862361520695"


@pytest.fixture
def street(ctx, clock):
    home, other, _ = office_street()
    return home, other


def create(client, **form: str):
    data = {"channel": "phone", **form}
    return post_form(client, NEW, data, NEW)


def newest() -> Ticket:
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


def test_the_caller_is_known_as_the_number_is_typed(app, street):
    done = Ticket(
        code="100001",
        channel=Channel.sms,
        category_code="electrical",
        description="楼道灯坏了",
        resident_id=db.session.scalar(select(Resident.id)),
        status=TicketStatus.closed,
    )
    db.session.add(done)
    db.session.commit()
    text_line(app.test_client(), MOBILE, "洗衣机转几下就不动了")
    open_one = newest()
    office = as_user(app, "office")
    panel = office.get(f"{NEW}/caller?phone=138 0013 8000").get_data(as_text=True)
    assert 'data-state="known"' in panel and "王奶奶" in panel and "龙溪社区" in panel
    assert "3栋2单元401" in panel and open_one.code in panel and "100001" in panel
    assert "手机" in panel
    # A landline nobody knows yet; words that suggest a category and danger.
    panel = office.get(f"{NEW}/caller?phone=023-61520695&problem=厨房有煤气味").get_data(
        as_text=True
    )
    assert 'data-state="new"' in panel and "固定电话" in panel
    assert 'data-urgent="1"' in panel and "其他" in panel  # suggested: other, urgent
    assert 'data-state="none"' in office.get(f"{NEW}/caller?phone=12").get_data(as_text=True)
    # Another community's staff learn only that the number is someone else's.
    panel = as_user(app, "js").get(f"{NEW}/caller?phone=13800138000").get_data(as_text=True)
    assert 'data-state="elsewhere"' in panel and "王奶奶" not in panel
    assert open_one.code not in panel
    # The page itself, with the number given (as "make a ticket" links give it).
    page = office.get(f"{NEW}?phone=13800138000").get_data(as_text=True)
    assert "王奶奶" in page and 'name="csrf_token"' in page and "new_ticket.js" in page


def test_a_call_opens_the_ticket_as_a_text_does(app, street):
    office = as_user(app, "office")
    response = create(office, phone="138 0013 8000", problem="洗衣机转几下就不动了")
    assert response.status_code == 303
    run_jobs(app)
    ticket = newest()
    assert response.headers["Location"].endswith(f"/dashboard/tickets/{ticket.code}")
    assert (ticket.channel, ticket.category_code) == (Channel.phone, "appliance")
    assert ticket.resident.phone == MOBILE and ticket.community.code == "longxi"
    assert ticket.address == "龙溪街道3栋2单元401" and ticket.due_at is not None
    kinds = [e.kind for e in ticket.events]
    assert kinds[:4] == ["received", "entered", "dispatch", "offers_sent"]
    entered = ticket.events[1]
    assert entered.actor_kind == ActorKind.staff and entered.actor_label == "office"
    assert len(offers()) == 3  # the same dispatch
    [confirmation] = sent_to(MOBILE)
    assert confirmation.template == "ticket_created" and ticket.code in confirmation.body
    assert confirmation.status == MessageStatus.queued
    # The same words texted by another resident get the same reply wording.
    db.session.add(Resident(phone="+8613800138009", community_id=ticket.community_id))
    db.session.commit()
    [reply] = replies(text_line(app.test_client(), "13800138009", "洗衣机转几下就不动了"))
    assert reply.replace(newest().code, "") == confirmation.body.replace(ticket.code, "")


def test_a_walk_in_stranger_a_chosen_category_and_a_landline(app, street):
    home, _ = street
    office = as_user(app, "office")
    response = create(
        office,
        phone="023-6152 0695",
        channel="walk_in",
        name="李大爷",
        community=str(home.id),
        building="5栋",
        address="龙溪街道5栋1单元202",
        problem="墙上一直渗水",
        category="building",
    )
    assert response.status_code == 303
    run_jobs(app)
    ticket = newest()
    assert (ticket.channel, ticket.category_code) == (Channel.walk_in, "building")
    assert (ticket.building, ticket.address) == ("5栋", "龙溪街道5栋1单元202")
    person = ticket.resident
    assert (person.name, person.phone_kind, person.community_id) == ("李大爷", "landline", home.id)
    assert person.address == "龙溪街道5栋1单元202"  # a stranger's blanks are filled
    [note] = db.session.scalars(select(Message).where(Message.peer == LANDLINE)).all()
    assert note.status == MessageStatus.suppressed  # a landline is told on the phone
    assert len(offers()) == 3
    # The volunteer who takes it gets the number as a phone dials it, with the full address.
    [won] = replies(text_line(app.test_client(), f.texter(offers()[0].volunteer_id), "1"))
    assert "023 6152 0695" in won and "+86" not in won and "5栋1单元202" in won


def test_urgent_by_hand_and_by_danger_words(app, street):
    office = as_user(app, "office")
    create(office, phone="13800138000", problem="水管爆了，家里到处是水", urgent="1")
    run_jobs(app)
    first = newest()
    assert first.priority == Priority.urgent
    [alert] = sent_to(DUTY, "staff_urgent")
    assert first.code in alert.body and "138 0013 8000" in alert.body
    assert {db.session.get(Message, o.message_id).template for o in offers()} == {"offer_urgent"}
    create(office, phone="13800138001", problem="厨房有煤气味", community=str(street[0].id))
    second = newest()
    assert second.priority == Priority.urgent
    [advice] = sent_to("+8613800138001")
    assert advice.template == "ticket_urgent_gas" and "燃气公司" in advice.body


def test_scope_csrf_roles_and_bad_input(app, street):
    home, other = street
    lx = as_user(app, "lx")
    refused = create(lx, phone="13800138002", problem="灯坏了", community=str(other.id))
    assert refused.status_code == 400 and "只能为本社区" in refused.get_data(as_text=True)
    assert create(lx, phone="12", problem="灯坏了").status_code == 400
    assert create(lx, phone="13800138002", problem="  ").status_code == 400
    assert create(lx, phone="13800138002", problem="灯坏了", channel="fax").status_code == 400
    no_token = lx.post(NEW, data={"phone": "13800138002", "problem": "灯坏了", "channel": "phone"})
    assert no_token.status_code == 400
    assert db.session.scalar(select(Ticket.id)) is None
    # Community staff open tickets in their own community, whatever the caller's blank.
    assert create(lx, phone="13800138002", problem="楼道灯坏了").status_code == 303
    assert newest().community_id == home.id
    liaison = as_user(app, "civil")
    assert liaison.get(NEW).status_code == 403
    token = csrf_token(as_user(app, "office"), NEW)
    assert liaison.post(NEW, data={"csrf_token": token}).status_code in (400, 403)


def _call(outcome: CallOutcome, caller: str, resident: Resident | None = None) -> Call:
    call = Call(
        sid=f"CA{outcome.value:0>32}",
        direction=CallDirection.inbound,
        purpose=CallPurpose.intake,
        caller=caller,
        flow="intake",
        outcome=outcome,
        resident=resident,
    )
    db.session.add(call)
    db.session.commit()
    return call


def test_make_a_ticket_from_a_call_put_through_and_from_a_missed_call(app, street):
    wang = db.session.scalars(select(Resident)).one()
    answered = _call(CallOutcome.connected, MOBILE, wang)
    missed = _call(CallOutcome.missed, "+8613800138005")
    office = as_user(app, "office")
    page = office.get(NEW).get_data(as_text=True)
    assert f'href="/dashboard/tickets/new?call={answered.id}"' in page  # put through, listed
    page = office.get(f"{NEW}?call={answered.id}").get_data(as_text=True)
    assert 'value="138 0013 8000"' in page and "王奶奶" in page and f'value="{answered.id}"' in page
    create(office, phone=MOBILE, call=str(answered.id), problem="电视没图像")
    db.session.expire_all()
    assert answered.ticket_id == newest().id
    assert f"call={answered.id}" not in office.get(NEW).get_data(as_text=True)  # done

    listing = office.get("/dashboard/callbacks").get_data(as_text=True)
    assert f'href="/dashboard/tickets/new?call={missed.id}"' in listing
    page = office.get(f"{NEW}?call={missed.id}").get_data(as_text=True)
    assert 'value="138 0013 8005"' in page
    create(
        office,
        phone="+8613800138005",
        call=str(missed.id),
        problem="水龙头关不紧",
        community=str(street[0].id),
    )
    db.session.expire_all()
    assert missed.ticket_id == newest().id
    assert db.session.scalar(select(CallBack.call_id)) == missed.id  # returned: off the list
    assert f"new?call={missed.id}" not in office.get("/dashboard/callbacks").get_data(as_text=True)
    # Another community's staff cannot use the call.
    assert as_user(app, "js").get(f"{NEW}?call={answered.id}").status_code == 404
