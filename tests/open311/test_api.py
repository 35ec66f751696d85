"""Open311 GeoReport v2: responses validate against the published schemas; POST needs a key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7
from sqlalchemy import select

from app.auth.accounts import issue_api_key
from app.auth.models import StaffRole
from app.db import db
from app.tickets.lifecycle import SYSTEM, Move, transition
from app.tickets.models import Channel, Ticket
from tests.support.staff import community, resident, staff, ticket

SCHEMAS = Path(__file__).parent / "schemas"
# The published files declare no $schema; they are draft 7 style.
REGISTRY = Registry().with_resources(
    (p.name, DRAFT7.create_resource(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.json")
)


def validate(document: object, schema: str) -> None:
    contents = REGISTRY.contents(schema)
    Draft7Validator(contents, registry=REGISTRY).validate(document)


@pytest.fixture
def tickets(ctx, clock):
    place = community()
    opened = ticket(resident("+8613800138000", place), "洗衣机坏了")
    clock.advance(hours=3)
    done = ticket(resident("+8613800138001", place), "灯泡坏了")
    transition(done, Move.assign, SYSTEM)
    transition(done, Move.resolve, SYSTEM)
    transition(done, Move.close, SYSTEM)
    db.session.commit()
    return opened, done


def test_services_list_every_category(client, ctx):
    services = client.get("/open311/v2/services.json").get_json()
    validate(services, "services.json")
    codes = {s["service_code"] for s in services}
    assert {"appliance", "electrical", "admin", "other"} <= codes


def test_requests_validate_and_never_show_phones_or_names(client, tickets):
    opened, done = tickets
    response = client.get("/open311/v2/requests.json")
    body = json.dumps(response.get_json(), ensure_ascii=False)  # names as typed, not \u-escaped
    validate(response.get_json(), "requests.json")
    assert "13800138000" not in body and "李大爷" not in body
    found = {r["service_request_id"]: r for r in response.get_json()}
    assert found[opened.code]["status"] == "open" and found[done.code]["status"] == "closed"
    item = found[opened.code]
    assert (
        item["service_code"] == "appliance" and item["description"] == "家电维修 (Appliance repair)"
    )
    assert item["agency_responsible"] == "龙溪社区"
    assert item["expected_datetime"] == "2026-11-26T10:00:00+08:00"


def test_standard_filters(client, tickets):
    opened, done = tickets

    def codes(query: str) -> list[str]:
        data = client.get(f"/open311/v2/requests.json?{query}").get_json()
        return [r["service_request_id"] for r in data]

    assert codes("status=open") == [opened.code]
    assert codes("status=closed") == [done.code]
    assert codes("service_code=electrical") == [done.code]
    assert codes("start_date=2026-11-25T11:00:00%2B08:00") == [done.code]
    assert codes("end_date=2026-11-25T01:00:00Z") == []
    assert codes(f"service_request_id={opened.code},{done.code}&status=open") == [
        done.code,
        opened.code,
    ]
    bad = client.get("/open311/v2/requests.json?start_date=yesterday")
    assert bad.status_code == 400 and bad.get_json()[0]["code"] == 400


def test_one_request_by_code(client, tickets):
    opened, _ = tickets
    data = client.get(f"/open311/v2/requests/{opened.code}.json").get_json()
    validate(data, "requests.json")
    assert data[0]["service_request_id"] == opened.code
    assert client.get("/open311/v2/requests/000000.json").status_code == 404


def test_post_needs_a_staff_key_and_stays_in_scope(client, ctx):
    community()
    community("jinshan", "金山社区")
    user = staff("lx", StaffRole.community, community_code="longxi")
    key = issue_api_key(user)
    db.session.commit()
    form = {"service_code": "plumbing", "description": "水龙头漏水", "phone": "13800138009"}
    assert client.post("/open311/v2/requests.json", data=form).status_code == 403
    assert (
        client.post("/open311/v2/requests.json", data={**form, "api_key": "x"}).status_code == 403
    )
    response = client.post("/open311/v2/requests.json", data={**form, "api_key": key})
    assert response.status_code == 200, response.get_data(as_text=True)
    code = response.get_json()[0]["service_request_id"]
    created = db.session.scalar(select(Ticket).where(Ticket.code == code))
    assert created.channel == Channel.open311 and created.community.code == "longxi"
    assert [(e.kind, e.actor_label) for e in created.events][-1] == ("entered", "lx")
    resident("+8613800138010", community("jinshan"))
    db.session.commit()
    other = {**form, "phone": "13800138010", "api_key": key}
    assert client.post("/open311/v2/requests.json", data=other).status_code == 403
    missing = client.post("/open311/v2/requests.json", data={"api_key": key, "phone": "1"})
    assert missing.status_code == 400
