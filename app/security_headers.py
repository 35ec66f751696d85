"""Headers every response carries, whatever the page: no framing (clickjacking), no MIME sniffing,
no full URL in the Referer header, and a Content-Security-Policy that lets a page load only this
site's own scripts and styles, so injected markup cannot run even if escaping ever slipped.

The two inline <style> blocks (the public pages' layout, the offer page) carry a per-request
nonce. Pages with stricter needs set their own value first (token pages: no referrer at all);
those are kept.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

REFERRER_POLICY = "same-origin"


def csp_nonce() -> str:
    """This response's nonce for inline <style> blocks (one per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "media-src 'self' https:",  # call recordings are played from the provider's store
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
