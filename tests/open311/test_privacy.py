"""What the public Open311 reads give away: without a key, nothing the resident typed (a replayed
text with a name, a flat address and a mobile number does not come back); with a staff key, the
words of the tickets that key's holder may see and the category's name for the rest. Searches
cover the last 90 days by default and come in pages."""

from __future__ import annotations

import json

import pytest

from app.auth.accounts import issue_api_key
from app.auth.models import StaffRole
from app.db import db
from tests.support.staff import community, resident, staff, ticket
from tests.support.texting import text_line

TYPED = "我是张秀英，住龙溪3栋2单元501，电话13912345678，洗衣机坏了"
PERSONAL = ["张秀英", "2单元501", "501", "13912345678", "1391234", "5678"]
LIST = "/open311/v2/requests.json"


def bodies(client, code: str, key: str | None = None) -> list[str]:
    """The list, the single request and the search by id, as text (JSON escapes no character
    here, so a name in Chinese is found as typed)."""
    query = {"api_key": key} if key else {}
    answers = [
        client.get(LIST, query_string=query),
        client.get(f"/open311/v2/requests/{code}.json", query_string=query),
        client.get(LIST, query_string={**query, "service_request_id": code}),
    ]
    return [json.dumps(a.get_json(), ensure_ascii=False) for a in answers]


def besides_the_code(body: str, code: str) -> str:
    """The answer without its ticket code: a random code such as 150122 holds "501" by chance."""
    return body.replace(code, "")


@pytest.fixture
def texted(client, ctx, clock) -> str:
    """A resident of Longxi texts their name, flat and mobile with the problem (the replay)."""
    place = community()
    resident("+8613912345678", place, name="张秀英")
    db.session.commit()
    assert text_line(client, "13912345678", TYPED).status_code == 200
    [item] = client.get(LIST).get_json()
    return item["service_request_id"]


def test_without_a_key_a_typed_name_address_and_mobile_never_come_back(client, texted):
    for body in bodies(client, texted):
        assert texted in body and "家电维修" in body
        for personal in PERSONAL:
            assert personal not in besides_the_code(body, texted), personal


def test_a_posted_request_shows_no_personal_field_without_a_key(client, ctx):
    community()
    key = issue_api_key(staff("office", StaffRole.office))
    db.session.commit()
    form = {
        "api_key": key,
        "service_code": "plumbing",
        "description": "王建国家厨房水管爆了 2单元302 电话13700001111",
        "phone": "13700001111",
        "first_name": "建国",
        "last_name": "王",
        "address_string": "龙溪社区3栋2单元302",
    }
    code = client.post(LIST, data=form).get_json()[0]["service_request_id"]
    for body in bodies(client, code):
        for personal in ("王建国", "建国", "302", "13700001111", "0000"):
            assert personal not in besides_the_code(body, code), personal


def test_a_key_shows_the_words_only_within_its_holders_scope(client, texted):
    community("jinshan", "金山社区")
    own = issue_api_key(staff("lx", StaffRole.community, community_code="longxi"))
    other = issue_api_key(staff("js", StaffRole.community, community_code="jinshan"))
    office = issue_api_key(staff("office", StaffRole.office))
    db.session.commit()
    for key in (own, office):
        assert all(TYPED in body for body in bodies(client, texted, key))
    for body in bodies(client, texted, other):
        assert TYPED not in body and "13912345678" not in body and "家电维修" in body
    wrong = client.get(LIST, query_string={"api_key": "not-a-key"})
    assert wrong.status_code == 403 and wrong.get_json()[0]["code"] == 403


def test_the_default_window_is_the_last_90_days(client, ctx, clock):
    place = community()
    old = ticket(resident("+8613800138000", place))
    clock.advance(days=91)
    recent = ticket(resident("+8613800138001", place))

    def codes(query: str = "") -> list[str]:
        return [r["service_request_id"] for r in client.get(f"{LIST}?{query}").get_json()]

    assert codes() == [recent.code]
    assert codes("start_date=2026-11-01T00:00:00Z") == [recent.code, old.code]


def test_searches_come_in_pages(client, ctx, clock):
    place = community()
    made = []
    for n in range(5):
        made.append(ticket(resident(f"+861380013800{n}", place)).code)
        clock.advance(minutes=1)
    newest_first = made[::-1]

    def codes(query: str) -> list[str]:
        return [r["service_request_id"] for r in client.get(f"{LIST}?{query}").get_json()]

    assert codes("page_size=2") == newest_first[:2]
    assert codes("page_size=2&page=2") == newest_first[2:4]
    assert codes("page_size=2&page=3") == newest_first[4:]
    assert codes("page_size=2&page=4") == []
    for bad in ("page_size=1001", "page=²", "page_size=99999999999999999999"):
        assert client.get(f"{LIST}?{bad}").status_code == 400, bad
