"""Input no client sends in good faith is refused at the door, before any handler reads it.

NUL characters: PostgreSQL text cannot hold them (the insert would fail with a server error),
and no phone, browser form or the provider puts one in a field. Such a request answers 400.
"""

from __future__ import annotations

from flask import Flask, abort, request


def refuse_nul() -> None:
    fields = (pair for values in (request.args, request.form) for pair in values.items(multi=True))
    if any("\x00" in text for text in (request.path, *(t for pair in fields for t in pair))):
        abort(400, description="NUL characters are not accepted")


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)
