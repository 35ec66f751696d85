"""`hotline doctor`, run as a person runs it: one line per check, exit 1 on any failure, and each
kind of misconfiguration caught by the check that names it."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gateway import settings_for
from tests.support.gateway_doubles import AliyunDouble
from tests.support.live import AUTH_TOKEN
from tests.support.processes import HOTLINE, Hotline, free_port, hotline_env
from tests.support.registry import filled_registry
from tests.support.twilio_double import TwilioDouble

ACCOUNT = "AC" + "5" * 32
FLOWS = Path(__file__).resolve().parents[2] / "ivr_flows"


@pytest.fixture(scope="module")
def twilio() -> Iterator[TwilioDouble]:
    with TwilioDouble(ACCOUNT, AUTH_TOKEN) as double:
        yield double


@pytest.fixture(scope="module")
def installation(tmp_path_factory, twilio) -> Iterator[dict[str, str]]:
    """A running line in provider mode (Twilio, through the double): the environment it runs in."""
    folder = tmp_path_factory.mktemp("doctor")
    port = free_port()
    env = hotline_env(
        f"sqlite:///{folder / 'line.db'}",
        port,
        AUTH_TOKEN,
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_API_BASE_URL=twilio.base_url,
    )
    server = Hotline(["serve", "--port", str(port)], env, folder / "serve.log").start()
    try:
        server.wait_healthy(env["PUBLIC_BASE_URL"])
        yield env
    finally:
        server.stop(signal.SIGTERM)


@pytest.fixture
def aliyun(installation, tmp_path) -> Iterator[tuple[AliyunDouble, dict[str, str]]]:
    """An Alibaba Cloud double and the installation switched to it, templates registered."""
    double = AliyunDouble().start()
    settings = settings_for("aliyun", double, filled_registry(tmp_path))
    try:
        yield double, installation | {k: str(v) for k, v in settings.items()}
    finally:
        double.stop()


def doctor(env: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Exit status and each check's line by its name."""
    done = subprocess.run([HOTLINE, "doctor"], env=env, capture_output=True, text=True, timeout=120)
    lines = {}
    for line in done.stdout.splitlines():
        verdict, _, rest = line.partition("  ")
        name, _, detail = rest.strip().partition(": ")
        lines[name] = f"{verdict.strip()}: {detail}"
    return done.returncode, lines


def test_a_healthy_installation_passes_every_check(installation):
    status, lines = doctor(installation)
    assert status == 0, lines
    assert list(lines) == [
        "configuration",
        "database",
        "migrations",
        "SMS provider (twilio)",
        "public URL",
        "signed webhook",
        "IVR flows",
        "SMS templates",
    ]
    assert all(line.startswith("ok: ") for line in lines.values()), lines
    assert lines["SMS provider (twilio)"] == f"ok: Twilio account {ACCOUNT[:6]}… is active"


def fails(env: dict[str, str], check: str, because: str) -> None:
    status, lines = doctor(env)
    assert status == 1
    assert lines[check].startswith("FAIL: "), lines
    assert because in lines[check], lines[check]


def test_a_provider_without_its_credentials(installation):
    fails(
        installation | {"HOTLINE_SMS_PROVIDER": "aliyun"},
        "configuration",
        "aliyun: ALIYUN_ACCESS_KEY_ID is not set",
    )


def test_a_database_that_does_not_answer(installation):
    gone = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    fails(installation | {"DATABASE_URL": gone}, "database", "does not answer")


def test_a_database_that_was_never_migrated(installation, tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    fails(installation | {"DATABASE_URL": empty}, "migrations", "run `hotline db upgrade`")


def test_credentials_the_provider_refuses(installation):
    refused = installation | {"TWILIO_AUTH_TOKEN": "not-the-token-0123456789"}
    fails(refused, "SMS provider (twilio)", "Twilio refused the account (20003)")


def test_a_domestic_gateway_that_refuses_the_key(aliyun):
    double, env = aliyun
    status, lines = doctor(env)
    assert status == 0 and lines["SMS provider (aliyun)"].startswith("ok: "), lines
    fails(env | {"ALIYUN_ACCESS_KEY_SECRET": "wrong"}, "SMS provider (aliyun)", "SignatureDoes")
    assert double.bad_signatures == 1


def test_a_public_url_where_nothing_answers(installation):
    nowhere = f"http://127.0.0.1:{free_port()}"
    fails(installation | {"PUBLIC_BASE_URL": nowhere}, "public URL", "is the app running?")


def test_a_public_url_that_is_not_the_one_the_app_sees(installation):
    """The provider signs what it calls; the app checks against PUBLIC_BASE_URL. A proxy that
    changes the host (here: localhost outside, 127.0.0.1 inside) shows up as 403s, which the
    doctor names before any resident texts."""
    outside = installation["PUBLIC_BASE_URL"].replace("127.0.0.1", "localhost")
    fails(installation | {"PUBLIC_BASE_URL": outside}, "signed webhook", "the app sees another URL")


def test_a_broken_ivr_flow(installation, tmp_path):
    shutil.copytree(FLOWS, tmp_path / "flows")
    flow = tmp_path / "flows" / "intake.yaml"
    flow.write_text(flow.read_text(encoding="utf-8") + "\n  broken: [\n", encoding="utf-8")
    fails(installation | {"HOTLINE_IVR_FLOWS_DIR": str(tmp_path / "flows")}, "IVR flows", "problem")


def test_templates_a_domestic_gateway_has_not_registered(aliyun):
    _, env = aliyun
    shipped = Path(__file__).resolve().parents[2] / "sms_templates" / "registry.yaml"
    fails(env | {"HOTLINE_SMS_REGISTRY": str(shipped)}, "SMS templates", "hotline templates check")
