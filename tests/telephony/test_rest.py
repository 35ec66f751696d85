"""The real twilio client against the local REST double: requests sent, errors classified."""

from collections.abc import Iterator

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from app.telephony.rest import (
    DEFAULT_TIMEOUT,
    classify_error,
    close_client,
    make_client,
    place_call,
    send_sms,
)
from tests.support.twilio_double import TwilioDouble

# Until the root conftest registers it for every test package.
pytest_plugins = ["tests.support.fixtures"]

HOTLINE = "+862363580580"
RESIDENT = "+8613800000001"
LANDLINE = "+862361520695"
SMS_STATUS_URL = "https://example.org/hotline/twilio/status/sms"
CALL_URL = "https://example.org/hotline/twilio/voice/survey?ticket=T7K2"
CALL_STATUS_URL = "https://example.org/hotline/twilio/status/call"


def _client(double: TwilioDouble, base_url: str | None = None, **kwargs: float) -> Client:
    return make_client(double.account_sid, double.auth_token, base_url or double.base_url, **kwargs)


@pytest.fixture
def client(twilio_double: TwilioDouble) -> Iterator[Client]:
    client = _client(twilio_double)
    yield client
    close_client(client)


def _sms_error(client: Client, to: str = RESIDENT) -> Exception:
    with pytest.raises(Exception) as caught:
        send_sms(client, HOTLINE, to, "hello", None)
    return caught.value


def test_send_sms_posts_to_the_double(client: Client, twilio_double: TwilioDouble) -> None:
    sid, status, segments = send_sms(client, HOTLINE, RESIDENT, "师傅明天上午到。", SMS_STATUS_URL)

    assert sid.startswith("SM") and len(sid) == 34
    assert (status, segments) == ("queued", 1)
    [sent] = twilio_double.requests
    assert sent.method == "POST"
    assert sent.path == f"/2010-04-01/Accounts/{twilio_double.account_sid}/Messages.json"
    assert sent.auth == (twilio_double.account_sid, twilio_double.auth_token)
    assert sent.form == {
        "To": RESIDENT,
        "From": HOTLINE,
        "Body": "师傅明天上午到。",
        "StatusCallback": SMS_STATUS_URL,
    }


@pytest.mark.parametrize(
    ("body", "segments"),
    [("a" * 160, 1), ("a" * 161, 2), ("灯" * 70, 1), ("灯" * 71, 2), ("灯" * 135, 3)],
)
def test_segments_are_reported(client: Client, body: str, segments: int) -> None:
    assert send_sms(client, HOTLINE, RESIDENT, body, None)[2] == segments


def test_sms_without_status_callback_omits_it(client: Client, twilio_double: TwilioDouble) -> None:
    send_sms(client, HOTLINE, RESIDENT, "hello", None)
    assert "StatusCallback" not in twilio_double.messages()[0].form


def test_place_call_posts_to_the_double(client: Client, twilio_double: TwilioDouble) -> None:
    sid = place_call(client, HOTLINE, LANDLINE, CALL_URL, CALL_STATUS_URL)

    assert sid.startswith("CA") and len(sid) == 34
    [call] = twilio_double.calls()
    assert call.path == f"/2010-04-01/Accounts/{twilio_double.account_sid}/Calls.json"
    assert call.auth == (twilio_double.account_sid, twilio_double.auth_token)
    assert call.form == {
        "To": LANDLINE,
        "From": HOTLINE,
        "Url": CALL_URL,
        "StatusCallback": CALL_STATUS_URL,
    }


def test_base_url_path_prefix_is_kept(twilio_double: TwilioDouble) -> None:
    client = _client(twilio_double, twilio_double.base_url + "/relay/")
    try:
        error = _sms_error(client)
    finally:
        close_client(client)
    assert twilio_double.requests[0].path.startswith("/relay/2010-04-01/Accounts/")
    assert isinstance(error, TwilioRestException) and error.status == 404


def test_default_client_has_a_timeout() -> None:
    client = make_client("AC" + "0" * 32, "token", None)
    assert client.http_client.timeout == DEFAULT_TIMEOUT
    close_client(client)


@pytest.mark.parametrize("base_url", ["127.0.0.1:8765", "ftp://example.org", "http://"])
def test_malformed_api_base_url_is_a_configuration_error(base_url: str) -> None:
    with pytest.raises(ValueError, match="TWILIO_API_BASE_URL"):
        make_client("AC" + "0" * 32, "token", base_url)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (500, None, ("transient", 20500)),
        (502, None, ("transient", None)),  # a proxy's plain-text page, no Twilio code
        (503, None, ("transient", 20503)),
        (429, None, ("transient", 20429)),
        (400, 21211, ("permanent", 21211)),
        (400, 21408, ("permanent", 21408)),
    ],
)
def test_http_errors_are_classified(
    client: Client,
    twilio_double: TwilioDouble,
    status: int,
    code: int | None,
    expected: tuple[str, int | None],
) -> None:
    twilio_double.fail_next(1, status=status, code=code)
    assert classify_error(_sms_error(client)) == expected
    send_sms(client, HOTLINE, RESIDENT, "the next one goes through", None)


@pytest.mark.parametrize("code", [21614, 21610, 21211, 30006])
def test_recipient_errors_are_permanent_for_that_number_only(
    client: Client,
    twilio_double: TwilioDouble,
    code: int,
) -> None:
    twilio_double.fail_with(status=400, code=code, to=LANDLINE)

    assert classify_error(_sms_error(client, LANDLINE)) == ("permanent", code)
    assert classify_error(_sms_error(client, LANDLINE)) == ("permanent", code)
    send_sms(client, HOTLINE, RESIDENT, "others still get through", None)
    twilio_double.recover()
    send_sms(client, HOTLINE, LANDLINE, "until recovery", None)


def test_twilio_error_body_reaches_the_exception(
    client: Client, twilio_double: TwilioDouble
) -> None:
    twilio_double.fail_with(status=400, code=21614)
    error = _sms_error(client)
    assert isinstance(error, TwilioRestException)
    assert (error.status, error.code) == (400, 21614)
    assert "not a valid mobile number" in error.msg


def test_wrong_credentials_are_permanent(twilio_double: TwilioDouble) -> None:
    client = make_client(twilio_double.account_sid, "wrong-token", twilio_double.base_url)
    try:
        assert classify_error(_sms_error(client)) == ("permanent", 20003)
    finally:
        close_client(client)


def test_missing_parameter_is_permanent(client: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=RESIDENT, from_=HOTLINE, body="")
    assert classify_error(caught.value) == ("permanent", 21602)


def test_connection_refused_is_transient(client: Client, twilio_double: TwilioDouble) -> None:
    twilio_double.refuse()
    error = _sms_error(client)
    assert isinstance(error, requests.ConnectionError)
    assert classify_error(error) == ("transient", None)

    twilio_double.recover()
    send_sms(client, HOTLINE, RESIDENT, "back again", None)
    assert len(twilio_double.messages()) == 1


def test_dropped_connection_is_transient(client: Client, twilio_double: TwilioDouble) -> None:
    twilio_double.drop_next()
    assert classify_error(_sms_error(client)) == ("transient", None)
    assert twilio_double.requests[0].status == 0


def test_timeout_is_transient(twilio_double: TwilioDouble) -> None:
    twilio_double.hang_next(1, seconds=2.0)  # released when the double stops
    client = _client(twilio_double, timeout=0.1)
    try:
        error = _sms_error(client)
    finally:
        close_client(client)
    assert isinstance(error, requests.Timeout)
    assert classify_error(error) == ("transient", None)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ConnectionResetError(), "transient"),
        (TimeoutError(), "transient"),
        (ValueError("a bug fails the same way every time"), "permanent"),
    ],
)
def test_other_exceptions_are_classified(error: Exception, kind: str) -> None:
    assert classify_error(error) == (kind, None)
