"""Every route answers with the security headers, whoever asks and whatever the answer (a page,
a redirect to login, 400, 403, 404, JSON, TwiML): no framing, no MIME sniffing, a referrer
policy and a Content-Security-Policy without inline scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from app.security_headers import WITHOUT_NONCE
from tests.support.staff import community, log_in, resident, staff, ticket
from tests.support.texting import post_signed

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}
NONCE = re.compile(r"<style nonce=\"([^\"]+)\">")
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
TEMPLATES = sorted((Path(__file__).parents[1] / "app").rglob("*.html"))


def sample_path(rule: Rule, code: str) -> str:
    """A concrete path for `rule`: an existing ticket code where one is asked for, else "1"."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if hasattr(converter, "items"):  # any(...)
            values[name] = next(iter(converter.items))
        elif name in ("code", "key"):
            values[name] = code
        else:
            values[name] = "1"
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def every_request(app: Flask, code: str) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        path = sample_path(rule, code)
        for method in ("GET", "POST"):
            if method in (rule.methods or ()):
                found.append((method, path))
    return found


def assert_headers(response, what: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (what, name, response.status_code)
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), what
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, what
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, what
    assert "object-src 'none'" in policy, what


@pytest.fixture
def code(ctx) -> str:
    return ticket(resident("+8613800138000", community())).code


def test_every_route_sends_the_headers_anonymous_and_logged_in(app, client: FlaskClient, code):
    requests = every_request(app, code)
    assert len(requests) > 50
    anonymous = app.test_client()
    for method, path in requests:
        assert_headers(anonymous.open(path, method=method), f"anonymous {method} {path}")
    staff("admin")
    log_in(client, "admin")
    seen = set()
    for method, path in requests:
        response = client.open(path, method=method)
        seen.add(response.status_code)
        assert_headers(response, f"admin {method} {path}")
    assert {200, 400, 404} <= seen  # pages, refused forms and unknown ids all carry them


def test_inline_styles_carry_this_responses_nonce(client):
    response = client.get("/s/unknown")  # the public pages' layout, with its <style> block
    [nonce] = NONCE.findall(response.get_data(as_text=True))
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    assert NONCE.findall(client.get("/s/unknown").get_data(as_text=True)) != [nonce]


def test_a_response_without_inline_styles_gets_the_fixed_policy_and_every_header(client):
    """No nonce was asked for: one policy string made at start-up, which admits no inline
    style at all."""
    answer = post_signed(client, "/twilio/ping", {"CallSid": "CA1"})
    assert answer.headers["Content-Security-Policy"] == WITHOUT_NONCE
    assert "style-src 'self';" in WITHOUT_NONCE and "nonce" not in WITHOUT_NONCE
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_an_unsigned_style_block():
    """The policy would block them in the browser: the page would silently lose them."""
    for template in TEMPLATES:
        html = template.read_text()
        assert not INLINE_HANDLER.search(html), template
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), template
        assert html.count("<style") == len(NONCE.findall(html)), template


def test_token_pages_keep_their_stricter_referrer_policy(client, ctx):
    assert client.get("/s/unknown").headers["Referrer-Policy"] == "no-referrer"
