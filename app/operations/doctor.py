"""`hotline doctor`: is this installation set up to answer? One line per check.

It builds the settings itself rather than the app, so a configuration that stops the app from
starting is reported as the check that failed, beside everything else that could be checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine

from app import migrate
from app.config import Settings
from app.db import make_engine
from app.ivr.flows import check_flows
from app.messaging import registry
from app.messaging.registry import DOMESTIC_PROVIDERS
from app.messaging.senders import SendError
from app.messaging.template_review import review
from app.providers.accounts import CHECKS
from app.providers.choice import startup_problems
from app.telephony.security import SIGNATURE_HEADER, public_url
from app.telephony.simulate import sign
from app.voice.setup import flows_dir

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


class Failed(Exception):
    """A check's failure, with what to do about it."""


def run(instance_path: Path) -> Iterator[Check]:
    """Every check in turn; later checks that need what failed are reported as not run."""
    try:
        settings = Settings.from_env(instance_path)
    except (RuntimeError, ValueError) as error:
        yield Check("configuration", False, str(error))
        return
    yield _check("configuration", lambda: _configuration(settings))
    engine = make_engine(settings.DATABASE_URL)
    try:
        database = _check("database", lambda: _database(engine))
        yield database
        if database.ok:
            yield _check("migrations", lambda: _migrations(engine))
    finally:
        engine.dispose()
    yield _check(f"SMS provider ({settings.sms_provider})", lambda: _account(settings, "sms"))
    if settings.voice_provider != settings.sms_provider:
        voice = f"voice provider ({settings.voice_provider})"
        yield _check(voice, lambda: _account(settings, "voice"))
    reached = _check("public URL", lambda: _reaches(settings))
    yield reached
    if reached.ok:
        yield _check("signed webhook", lambda: _signature(settings))
    yield _check("IVR flows", lambda: _flows(settings))
    yield _check("SMS templates", lambda: _templates(settings))


def _check(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except Failed as failure:
        return Check(name, False, str(failure))


def _configuration(settings: Settings) -> str:
    problems = startup_problems(settings)
    base = requests.utils.urlparse(settings.PUBLIC_BASE_URL)
    if base.scheme not in ("http", "https") or not base.hostname:
        problems.append(f"PUBLIC_BASE_URL={settings.PUBLIC_BASE_URL!r} is not an http(s) URL")
    try:
        ZoneInfo(settings.HOTLINE_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"HOTLINE_TIMEZONE={settings.HOTLINE_TIMEZONE!r} is not a time zone")
    if problems:
        raise Failed("; ".join(problems))
    mode = "local mode" if settings.local_mode else "provider mode"
    return f"{mode}, public at {settings.PUBLIC_BASE_URL}"


def _database(engine: Engine) -> str:
    shown = make_url(engine.url).render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # whatever stops it: one line, never a traceback
        raise Failed(f"{shown} does not answer: {str(error).splitlines()[0]}") from error
    return f"{shown} answers"


def _migrations(engine: Engine) -> str:
    current, head = migrate.revisions(engine)
    if current != head:
        raise Failed(f"at {current or 'no schema'}, newest is {head}: run `hotline db upgrade`")
    return f"at the newest revision ({head})"


def _account(settings: Settings, kind: str) -> str:
    name = settings.sms_provider if kind == "sms" else settings.voice_provider
    try:
        return CHECKS[name](settings, kind)
    except SendError as error:
        raise Failed(str(error).splitlines()[0]) from error


def _reaches(settings: Settings) -> str:
    url = f"{settings.PUBLIC_BASE_URL}/healthz"
    try:
        answer = requests.get(url, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise Failed(
            f"{url} does not answer ({type(error).__name__}): is the app running?"
        ) from error
    if answer.status_code != 200:
        raise Failed(f"{url} answered {answer.status_code}")
    return f"{url} answers"


def _signature(settings: Settings) -> str:
    url = public_url(settings.PUBLIC_BASE_URL, "/twilio/ping", b"")
    form = {"AccountSid": settings.TWILIO_ACCOUNT_SID or "doctor"}
    signature = sign(settings.TWILIO_AUTH_TOKEN, url, form)
    try:
        answer = requests.post(
            url, data=form, headers={SIGNATURE_HEADER: signature}, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        raise Failed(f"{url} does not answer ({type(error).__name__})") from error
    if answer.status_code == 403:
        raise Failed(
            f"a request signed for {url} was refused: the app sees another URL (a proxy "
            "changing the scheme or host?) or another TWILIO_AUTH_TOKEN"
        )
    if answer.status_code != 204:
        raise Failed(f"{url} answered {answer.status_code}: is this the 580 Hotline?")
    return "a request signed for the public URL validates"


def _flows(settings: Settings) -> str:
    directory = flows_dir(settings.HOTLINE_IVR_FLOWS_DIR)
    problems = check_flows(directory)
    if problems:
        raise Failed(f"{len(problems)} problem(s): {problems[0]}")
    return f"{directory}: every flow is valid"


def _templates(settings: Settings) -> str:
    path = registry.registry_path(settings.HOTLINE_SMS_REGISTRY)
    try:
        loaded = registry.load(path)
    except Exception as error:  # a file that cannot be read or parsed
        raise Failed(f"{path}: {str(error).splitlines()[0]}") from error
    if settings.sms_provider not in DOMESTIC_PROVIDERS:
        return f"{path} reads (templates are needed only by the domestic gateways)"
    problems = [p for row in review(loaded, settings.sms_provider) for p in row.problems]
    if problems:
        raise Failed(f"{len(problems)} problem(s), see `hotline templates check`: {problems[0]}")
    return f"every text has a registered {settings.sms_provider} template within its limits"
