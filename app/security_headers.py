"""Headers every response carries, whatever the page: no framing (clickjacking), no MIME sniffing,
no full URL in the Referer header, and a Content-Security-Policy that lets a page load only this
site's own scripts and styles, so injected markup cannot run even if escaping ever slipped.

The two inline <style> blocks (the public pages' layout, the offer page) carry a per-request
nonce, which only their responses' policy admits; every other response (webhooks, staff pages)
gets one policy string built at start-up, with no nonce. Pages with stricter needs set their own
value first (token pages: no referrer at all); those are kept.
"""

from __future__ import annotations

import secrets

from flask import Flask, g
from werkzeug.wrappers import Response

REFERRER_POLICY = "same-origin"


def csp_nonce() -> str:
    """This response's nonce for inline <style> blocks (one per request, made when a page asks)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def content_security_policy(nonce: str | None) -> str:
    """The policy; inline <style> blocks are admitted only with `nonce`."""
    styles = f"style-src 'self' 'nonce-{nonce}'" if nonce else "style-src 'self'"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            styles,
            "img-src 'self' data:",
            "media-src 'self' https:",  # call recordings are played from the provider's store
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


WITHOUT_NONCE = content_security_policy(None)
FIXED = (
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", REFERRER_POLICY),
)


def add_security_headers(response: Response) -> Response:
    """Each header the view has not set itself. (One look at the headers: `setdefault` would
    look twice, and raise and catch an exception, for every header it adds.)"""
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    nonce = g.get("csp_nonce")
    policy = content_security_policy(nonce) if nonce else WITHOUT_NONCE
    for name, value in (("Content-Security-Policy", policy), *FIXED):
        if name.lower() not in present:
            headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
