"""Fuzzing every provider webhook: random and hostile forms, signed and unsigned, replayed
signatures, invalid UTF-8 and oversized bodies. Only 2xx/4xx, never 5xx; TwiML always parses;
nothing stored from a request without a valid signature."""

from __future__ import annotations

import itertools
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import db
from app.phones import is_e164
from app.residents.models import Resident
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.fuzz.hostile import (
    FUZZ,
    check,
    decoded,
    forms,
    invalid_utf8,
    numbers,
    parameter_values,
    stored,
    values,
)
from tests.support.signing import sign
from tests.test_phones import _any_input as phone_spellings

pytestmark = pytest.mark.fuzz

WEBHOOKS = [
    "/twilio/sms",
    "/twilio/status/sms",
    "/twilio/voice",
    "/twilio/voice/step",
    "/twilio/voice/recording",
    "/twilio/status/call",
    "/twilio/voice/outbound/survey",
]
FORM = "application/x-www-form-urlencoded"
paths = st.sampled_from(WEBHOOKS)
header_values = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40)
queries = st.one_of(
    st.just(""),
    st.dictionaries(
        st.sampled_from(["n", "node", "ticket", "flow"]),
        st.one_of(parameter_values, values),
        max_size=3,
    ).map(urlencode),
)


def post(client, path: str, query: str, body: str, signature: str | None):
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    target = f"{path}?{query}" if query else path
    return client.post(target, data=body, content_type=FORM, headers=headers)


def signed(path: str, query: str, body: str) -> str:
    url = f"{PUBLIC_BASE_URL}{path}" + (f"?{query}" if query else "")
    return sign(AUTH_TOKEN, url, decoded(body))


@FUZZ
@given(path=paths, query=queries, form=forms, signature=st.one_of(st.none(), header_values))
def test_unsigned_or_badly_signed_requests_are_refused_and_store_nothing(
    client, ctx, path, query, form, signature
):
    before = stored()
    response = post(client, path, query, urlencode(form), signature)
    check(response)
    assert response.status_code in (400, 403)  # 400: a NUL refused before the signature check
    assert stored() == before


@FUZZ
@given(path=paths, other=paths, query=queries, form=forms)
def test_a_signature_replayed_on_another_url_is_refused(client, ctx, path, other, query, form):
    body = urlencode(form)
    signature = signed(path, query, body)
    target_query = query + "&x=1" if other == path else query
    before = stored()
    response = post(client, other, target_query, body, signature)
    assert response.status_code in (400, 403)
    assert stored() == before


@FUZZ
@given(path=paths, query=queries, form=forms)
def test_signed_hostile_forms_never_cause_a_server_error(client, ctx, path, query, form):
    body = urlencode(form)
    check(post(client, path, query, body, signed(path, query, body)))


NUMBER_FIELDS = ["ErrorCode", "CallDuration", "RecordingDuration", "Confidence", "NumMedia"]


@FUZZ
@given(path=paths, field=st.sampled_from(NUMBER_FIELDS), number=numbers, step=numbers)
def test_signed_number_fields_in_any_spelling_are_read_or_refused(
    client, ctx, path, field, number, step
):
    query = urlencode({"node": "greeting", "n": step})
    form = {"CallSid": "CA1", "MessageSid": "SM1", "CallStatus": "completed", field: number}
    form["MessageStatus"] = "undelivered"
    body = urlencode(form)
    check(post(client, path, query, body, signed(path, query, body)))


@FUZZ
@given(sid=values, sender=values, text=values)
def test_signed_texts_with_hostile_fields_are_stored_whole_or_refused(
    client, ctx, sid, sender, text
):
    body = urlencode({"MessageSid": sid, "From": sender, "To": "580", "Body": text})
    response = post(client, "/twilio/sms", "", body, signed("/twilio/sms", "", body))
    check(response)


@FUZZ
@given(path=paths, body=invalid_utf8)
def test_invalid_utf8_is_refused_or_read_never_a_crash(client, ctx, path, body):
    check(post(client, path, "", body, None))
    check(post(client, path, "", body, signed(path, "", body)))


@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_body_over_the_limit_is_refused_before_it_is_read(client, ctx, path):
    body = urlencode({"Body": "A" * (2 * 1024 * 1024)})
    response = post(client, path, "", body, signed(path, "", body))
    assert response.status_code == 413
    assert stored() == (0, 0, 0, 0, 0)


def test_a_nul_in_a_signed_text_is_refused_not_a_server_error(client, ctx):
    body = urlencode({"MessageSid": "SM1", "From": "13800138000", "Body": "灯\x00坏了"})
    response = post(client, "/twilio/sms", "", body, signed("/twilio/sms", "", body))
    assert response.status_code == 400
    assert stored() == (0, 0, 0, 0, 0)


_sids = itertools.count()


@FUZZ
@given(sender=phone_spellings)
def test_whatever_the_sender_looks_like_only_e164_numbers_are_stored(client, ctx, sender):
    form = {"MessageSid": f"SM{next(_sids):032x}", "From": sender, "To": "580", "Body": "灯坏了"}
    body = urlencode(form)
    check(post(client, "/twilio/sms", "", body, signed("/twilio/sms", "", body)))
    db.session.rollback()
    assert all(is_e164(phone) for phone in db.session.scalars(select(Resident.phone)))
