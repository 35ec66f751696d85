"""The 580 Hotline: telephony and SMS back office for a neighbourhood help line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.auth.web import StaffSessions
from app.config import Settings, install
from app.db import db
from app.extensions import csrf
from app.operations import logs
from app.operations import web as operations_web


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web app. Nothing here talks to the network or starts a scheduler."""
    app = Flask(__name__)
    settings = Settings.from_env(Path(app.instance_path), config)
    app.config.from_mapping(
        {k: v for k, v in vars(settings).items() if k != "extra"}, **settings.extra
    )
    app.config["SETTINGS"] = settings
    install(settings)
    app.secret_key = settings.SECRET_KEY
    app.session_interface = StaffSessions()
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.PUBLIC_BASE_URL.startswith("https://"),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    trust_proxies(app, settings.HOTLINE_TRUSTED_PROXIES)
    if not settings.TESTING:
        logs.configure(settings.HOTLINE_LOG_FORMAT, settings.HOTLINE_LOG_LEVEL)
    db.init_app(app)
    csrf.init_app(app)
    operations_web.init_app(app)  # first: every request gets its id and trace before the rest

    from app import bad_input, health, security_headers
    from app.auth import views as auth_views
    from app.auth.web import sessionless
    from app.dashboard import routes as dashboard
    from app.open311 import api as open311
    from app.providers import callbacks as provider_callbacks
    from app.providers.choice import StartRefused, startup_problems
    from app.residents import coming
    from app.surveys import web as survey_pages
    from app.telephony import voice, webhooks
    from app.tickets import liaison_web
    from app.voice import setup as voice_setup
    from app.volunteers import links, reactions

    assert callable(reactions.stand_down)  # imported: volunteers react to ticket moves from here on
    assert callable(coming.volunteer_is_coming)  # imported: residents hear who is coming
    voice_setup.init_app(app)  # refuses to start with a broken IVR flow
    problems = startup_problems(settings)
    if problems:  # a chosen provider without credentials, templates or callback secret
        raise StartRefused(problems)
    bad_input.init_app(app)  # before any route: ids in paths are bounded
    app.register_blueprint(health.bp)
    health.init_app(app)  # a database that cannot write answers 503, not 500
    security_headers.init_app(app)  # CSP, no framing, no sniffing, on every response
    app.register_blueprint(links.bp)
    app.register_blueprint(survey_pages.bp)
    app.register_blueprint(liaison_web.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(dashboard.root)
    app.register_blueprint(open311.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(voice.bp)
    app.register_blueprint(provider_callbacks.bp)
    sessionless(app, operations_web.bp)  # /metrics: a bearer token, never a browser cookie
    sessionless(app, open311.bp)  # an API: authenticated by api_key
    sessionless(app, webhooks.bp)  # the provider signs its requests
    sessionless(app, voice.bp)
    sessionless(app, provider_callbacks.bp)  # the secret in the URL stands in for a signature

    from app.cli import register

    register(app)
    return app


def trust_proxies(app: Flask, count: int) -> None:
    """Take the client's address (and scheme) from the last `count` X-Forwarded-For (and
    X-Forwarded-Proto) entries, the ones our own proxies added; with 0, the headers are ignored,
    since anyone can send them and would choose their own address for the login throttle and
    the callback allow-list."""
    if count < 0:
        raise RuntimeError("cannot start: HOTLINE_TRUSTED_PROXIES must be 0 or more")
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
