"""Fuzzing the public pages: the offer, survey and liaison links (with real and random tokens,
with and without a form token), Open311, login, language and health. Only 2xx/4xx, never 5xx;
nothing stored from a request that fails its checks; no markup echoed raw."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.auth.accounts import issue_api_key
from app.db import db
from app.surveys.models import Survey
from app.tickets.models import LiaisonLink
from app.volunteers.models import Offer
from tests.fuzz.hostile import (
    FUZZ,
    MARKUP,
    check,
    cr_lf,
    extreme_datetimes,
    forms,
    parameter_values,
    stored,
    values,
)
from tests.support.closure import assign, report, resident, resolve, street, sweep
from tests.support.staff import staff
from tests.volunteers.factories import volunteer

pytestmark = pytest.mark.fuzz

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINKS = ("o", "s", "d")
tokens = st.one_of(st.text(min_size=1, max_size=60), st.sampled_from(["..", "%00", "a/b", " "]))
OPEN311_FIELDS = [
    "service_code",
    "description",
    "phone",
    "address_string",
    "lat",
    "long",
    "first_name",
    "last_name",
    "email",
    "device_id",
    "media_url",
    "attribute[floor]",
]
open311_forms = st.lists(
    st.tuples(st.sampled_from(OPEN311_FIELDS), st.one_of(values, st.sampled_from(["appliance"]))),
    max_size=8,
)
OPEN311_ARGS = [
    "service_code",
    "start_date",
    "end_date",
    "status",
    "service_request_id",
    "page",
    "page_size",
    "jurisdiction_id",
]


@pytest.fixture
def links(client, ctx, clock) -> dict[str, str]:
    """A real token of each kind: an offer, a web survey and a department liaison's page."""
    community, _ = street()
    helper = volunteer(1, community, skills=("appliance", "electrical"))
    resident(community)
    resident(community, phone="+8613800138001")  # placed, so the report is offered at once
    report(client, "+8613800138001", f"洗衣机坏了 {MARKUP[0]}")
    report(client, "+8613800138002", f"低保怎么申请 {MARKUP[1]}")  # escalated to civil affairs
    done = report(client, "+8613800138003", "楼道灯不亮了")
    assign(done, helper)
    resolve(done, helper)
    clock.advance(minutes=61)
    sweep()
    found = {
        "o": db.session.scalars(select(Offer.token)).first(),
        "s": db.session.scalars(
            select(Survey.web_token).where(Survey.web_token.is_not(None))
        ).first(),
        "d": db.session.scalars(select(LiaisonLink.token)).first(),
    }
    assert all(found.values()), found
    return found


def form_token(client, path: str) -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    return match[1] if match else ""


@FUZZ
@given(kind=st.sampled_from(LINKS), token=tokens, form=forms)
def test_random_tokens_find_nothing_and_change_nothing(client, ctx, kind, token, form):
    path = f"/{kind}/{quote(token, safe='')}"
    before = stored()
    check(client.get(path))
    check(client.post(path, data=urlencode(form), content_type="application/x-www-form-urlencoded"))
    assert stored() == before


@FUZZ
@given(kind=st.sampled_from(LINKS), form=forms, with_token=st.booleans())
def test_real_links_take_hostile_answers_without_a_server_error(
    client, links, kind, form, with_token
):
    path = f"/{kind}/{links[kind]}"
    page = client.get(path)
    check(page)
    fields = dict(form)
    for name in ("answer", "action", "rating", "note", "comment"):
        fields.setdefault(name, "")
    if with_token:
        fields["csrf_token"] = form_token(client, path)
    before = stored()
    response = client.post(path, data=fields)
    check(response)
    if not with_token:
        assert response.status_code == 400 and stored() == before


@FUZZ
@given(
    args=st.lists(
        st.one_of(
            st.tuples(st.sampled_from(["start_date", "end_date"]), extreme_datetimes),
            st.tuples(st.sampled_from(OPEN311_ARGS), st.one_of(parameter_values, values)),
        ),
        max_size=5,
    ).map(dict),
    code=tokens,
)
def test_open311_reads_take_any_query(client, ctx, args, code):
    check(client.get("/open311/v2/services.json"))
    check(client.get("/open311/v2/requests.json", query_string=args))
    check(client.get(f"/open311/v2/requests/{quote(code, safe='')}.json"))


@pytest.fixture
def api_key(ctx) -> str:
    key = issue_api_key(staff("open311"))
    db.session.commit()
    return key


@FUZZ
@given(form=open311_forms, with_key=st.booleans())
def test_open311_posts_need_a_key_and_survive_any_form(client, api_key, form, with_key):
    fields = dict(form)
    if with_key:
        fields["api_key"] = api_key
    else:
        fields.pop("api_key", None)
    before = stored()
    response = client.post("/open311/v2/requests.json", data=fields)
    check(response)
    if not with_key:
        assert response.status_code in (400, 403) and stored() == before


@FUZZ
@given(path=st.sampled_from(["/login", "/language", "/healthz"]), form=forms, args=forms)
def test_login_language_and_health_never_fail(client, ctx, path, form, args):
    check(client.get(path, query_string=args))
    check(client.post(path, data=dict(form), query_string=args))


@FUZZ
@given(target=st.one_of(cr_lf, values), lang=st.sampled_from(["zh", "en", "fr", ""]))
def test_the_language_switch_takes_any_next_with_a_form_token(client, ctx, target, lang):
    token = form_token(client, "/login")
    response = client.post("/language", data={"lang": lang, "next": target, "csrf_token": token})
    check(response)
    assert "\n" not in response.headers.get("Location", "")
