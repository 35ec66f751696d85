"""Webhook signature checks against Twilio's published vectors and an independent signer."""

import pytest
from flask import Flask, request
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from app.telephony.security import (
    SIGNATURE_HEADER,
    form_signature,
    is_valid_signature,
    public_url,
)
from tests.support.signing import sign, signed_post

TOKEN = "12345"

# Twilio's published example (docs and the SDKs' own tests). Note the caller is +14158675309.
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_FORM = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="

SMS_FORM = MultiDict(
    [("MessageSid", "SM" + "a" * 32), ("From", "+8613800000001"), ("Body", "灯坏了 light broken")]
)


def test_published_vector_matches_both_implementations() -> None:
    assert sign(TOKEN, VECTOR_URL, VECTOR_FORM) == VECTOR_SIGNATURE
    assert is_valid_signature(TOKEN, VECTOR_URL, VECTOR_FORM, VECTOR_SIGNATURE)


def test_published_repeated_key_vector() -> None:
    """twilio-python's vector for a repeated field: every value is signed, sorted."""
    form = MultiDict(
        [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    )
    expected = "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert sign(TOKEN, VECTOR_URL, form) == expected
    assert is_valid_signature(TOKEN, VECTOR_URL, form, expected)


def test_repeated_keys_validate_only_with_the_full_form() -> None:
    form = MultiDict([("Digits", "1"), ("Digits", "2"), ("CallSid", "CA1")])
    signature = sign(TOKEN, VECTOR_URL, form)
    assert is_valid_signature(TOKEN, VECTOR_URL, form, signature)
    assert not is_valid_signature(TOKEN, VECTOR_URL, form.to_dict(), signature)


@pytest.mark.parametrize(
    ("signed", "checked"),
    [
        ("https://example.org/twilio/sms", "http://example.org/twilio/sms"),
        ("http://example.org/twilio/sms", "https://example.org/twilio/sms"),
    ],
)
def test_scheme_is_part_of_the_signature(signed: str, checked: str) -> None:
    signature = sign(TOKEN, signed, SMS_FORM)
    assert is_valid_signature(TOKEN, signed, SMS_FORM, signature)
    assert not is_valid_signature(TOKEN, checked, SMS_FORM, signature)


@pytest.mark.parametrize(
    "base_url",
    ["https://example.org:443", "https://example.org:8443", "http://127.0.0.1:5580"],
)
def test_explicit_port_in_base_url(base_url: str) -> None:
    url = public_url(base_url, "/twilio/sms", b"")
    assert url == f"{base_url}/twilio/sms"
    assert is_valid_signature(TOKEN, url, SMS_FORM, sign(TOKEN, url, SMS_FORM))


@pytest.mark.parametrize(
    ("signed", "checked"),
    [
        ("https://example.org/twilio/sms", "https://example.org:443/twilio/sms"),
        ("https://example.org:443/twilio/sms", "https://example.org/twilio/sms"),
        ("http://example.org/twilio/sms", "http://example.org:80/twilio/sms"),
    ],
)
def test_standard_port_may_be_signed_or_not(signed: str, checked: str) -> None:
    """Twilio is inconsistent about standard ports; the validator accepts both spellings."""
    assert is_valid_signature(TOKEN, checked, SMS_FORM, sign(TOKEN, signed, SMS_FORM))


def test_base_url_with_path_prefix_behind_a_proxy() -> None:
    url = public_url("https://example.org/hotline/", "/twilio/sms", b"")
    assert url == "https://example.org/hotline/twilio/sms"
    signature = sign(TOKEN, url, SMS_FORM)
    assert is_valid_signature(TOKEN, url, SMS_FORM, signature)
    unprefixed = public_url("https://example.org", "/twilio/sms", b"")
    assert not is_valid_signature(TOKEN, unprefixed, SMS_FORM, signature)


def test_raw_query_is_signed_as_received() -> None:
    raw = b"a=%2B86&b=x%20y"
    url = public_url("https://example.org", "/twilio/status", raw)
    assert url == "https://example.org/twilio/status?a=%2B86&b=x%20y"
    signature = sign(TOKEN, url, SMS_FORM)
    assert is_valid_signature(TOKEN, url, SMS_FORM, signature)
    decoded = "https://example.org/twilio/status?a=+86&b=x y"
    assert not is_valid_signature(TOKEN, decoded, SMS_FORM, signature)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/a b/电", "/a%20b/%E7%94%B5"), ("/a%20b", "/a%20b"), ("twilio/sms", "/twilio/sms")],
)
def test_path_is_escaped_once(path: str, expected: str) -> None:
    assert public_url("https://example.org", path, "") == "https://example.org" + expected


@pytest.mark.parametrize(
    "base_url",
    ["example.org", "ftp://example.org", "https://", "https://example.org?x=1", "http://h:port"],
)
def test_malformed_base_url_is_a_configuration_error(base_url: str) -> None:
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        public_url(base_url, "/twilio/sms", b"")


def test_signature_replayed_on_another_url_fails() -> None:
    signature = sign(TOKEN, "https://example.org/twilio/sms", SMS_FORM)
    assert not is_valid_signature(TOKEN, "https://example.org/twilio/voice", SMS_FORM, signature)
    assert not is_valid_signature(TOKEN, "https://evil.example/twilio/sms", SMS_FORM, signature)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda f: f.__setitem__("Body", "取消"),
        lambda f: f.add("Extra", "1"),
        lambda f: f.pop("From"),
        lambda f: f.add("Body", "second"),
    ],
    ids=["changed", "added", "removed", "repeated"],
)
def test_tampered_form_fails(tamper) -> None:
    url = "https://example.org/twilio/sms"
    signature = sign(TOKEN, url, SMS_FORM)
    form = SMS_FORM.copy()
    tamper(form)
    assert not is_valid_signature(TOKEN, url, form, signature)


@pytest.mark.parametrize("signature", [None, "", "not-a-signature"])
def test_missing_or_garbage_signature_fails(signature: str | None) -> None:
    assert not is_valid_signature(TOKEN, VECTOR_URL, VECTOR_FORM, signature)


def test_wrong_auth_token_fails() -> None:
    assert not is_valid_signature("54321", VECTOR_URL, VECTOR_FORM, VECTOR_SIGNATURE)
    assert not is_valid_signature("", VECTOR_URL, VECTOR_FORM, VECTOR_SIGNATURE)


def test_json_body_is_signed_through_its_hash() -> None:
    """twilio-python's published JSON-body vector: the URL carries the body's SHA-256."""
    body = '{"property": "value", "boolean": true}'
    body_hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    url = f"{VECTOR_URL}&bodySHA256={body_hash}"
    signature = "a9nBmqA0ju/hNViExpshrM61xv4="
    assert is_valid_signature(TOKEN, url, body, signature)
    assert not is_valid_signature(TOKEN, url, body.replace("true", "false"), signature)
    assert not is_valid_signature(TOKEN, VECTOR_URL, body, sign(TOKEN, VECTOR_URL, {}))


@pytest.fixture
def hook_client():
    """A bare Flask app whose one route checks signatures the way the webhook blueprint will."""
    app = Flask(__name__)

    @app.post("/twilio/sms")
    def sms() -> tuple[str, int]:
        url = public_url(app.config["BASE"], request.path, request.query_string)
        ok = is_valid_signature(TOKEN, url, request.form, request.headers.get(SIGNATURE_HEADER))
        return ("ok", 200) if ok else ("forbidden", 403)

    app.config["BASE"] = "https://example.org/hotline"
    return app.test_client()


def test_flask_request_round_trip_keeps_raw_query(hook_client) -> None:
    response = signed_post(
        hook_client,
        "/twilio/sms",
        SMS_FORM,
        auth_token=TOKEN,
        base_url="https://example.org/hotline",
        query="a=%2B86&b=x%20y",
    )
    assert response.status_code == 200


def test_flask_request_signed_for_another_host_is_refused(hook_client) -> None:
    response = signed_post(
        hook_client, "/twilio/sms", SMS_FORM, auth_token=TOKEN, base_url="https://evil.example"
    )
    assert response.status_code == 403


def test_flask_request_without_signature_is_refused(hook_client) -> None:
    assert hook_client.post("/twilio/sms", data=SMS_FORM).status_code == 403


@given(
    st.lists(
        st.tuples(st.sampled_from(["Body", "From", "Digits", "B", "body", "Bo"]), st.text()),
        max_size=6,
    ),
    st.text(max_size=20),
)
def test_the_form_signature_is_the_sdks(pairs: list[tuple[str, str]], path: str) -> None:
    """Repeated fields, empty values, any text, names that sort close together: the signature
    computed here is the one the Twilio SDK computes."""
    form, url = MultiDict(pairs), VECTOR_URL + path
    expected = RequestValidator(TOKEN).compute_signature(url, form)
    assert is_valid_signature(TOKEN, url, form, expected)
    assert form_signature(TOKEN.encode(), url, form.lists()).decode() == expected
