"""With a real provider, the real `hotline` command refuses to start without a Twilio auth token
or with a SECRET_KEY shorter than 32 bytes, and says on one line what to set: no traceback, no
server that fails every webhook's signature check or signs cookies with a guessable key."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import HOTLINE

LONG_KEY = "0123456789abcdef" * 4
START_SECONDS = 60


def run(command: str, tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "HOTLINE_"))}
    env.pop("SECRET_KEY", None)
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'refused.db'}", **settings)
    return subprocess.run(
        [HOTLINE, command, *(["--port", "0"] if command == "serve" else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        cwd=tmp_path,
    )


@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"SECRET_KEY": LONG_KEY}, ["TWILIO_AUTH_TOKEN"]),
        ({"TWILIO_AUTH_TOKEN": "token", "SECRET_KEY": "short"}, ["SECRET_KEY", "32"]),
        ({"TWILIO_AUTH_TOKEN": "token"}, ["SECRET_KEY"]),
        ({}, ["SECRET_KEY", "TWILIO_AUTH_TOKEN"]),
    ],
)
def test_provider_mode_without_a_token_or_a_long_key_does_not_start(
    tmp_path, command, settings, named
):
    done = run(command, tmp_path, TWILIO_ACCOUNT_SID="AC" + "1" * 32, **settings)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("hotline: cannot start: ")
    assert all(name in lines[0] for name in named), lines[0]
    assert "Traceback" not in done.stderr and not (tmp_path / "refused.db").exists()


def test_a_domestic_gateway_also_needs_a_long_key(tmp_path):
    done = run(
        "worker",
        tmp_path,
        HOTLINE_SMS_PROVIDER="aliyun",
        HOTLINE_VOICE_PROVIDER="local",
        SECRET_KEY="short",
    )
    assert done.returncode == 1 and "SECRET_KEY" in done.stderr
