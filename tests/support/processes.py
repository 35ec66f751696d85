"""The real `hotline` console command as a subprocess: started on a free port, polled for
readiness through /healthz (bounded), stopped with a signal the way a person or init does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HOTLINE = str(Path(sys.executable).parent / "hotline")
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
READY_SECONDS = 60  # generous: start-up migrates and validates flows on a loaded 2-core box
STOP_SECONDS = 30


def _interruptible() -> None:
    """Ctrl-C as at a terminal: a suite run as a background job (`cmd &` in a script) has
    SIGINT ignored, and children inherit that, so a stop by SIGINT would test nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hotline:
    """One `hotline ...` process; its output goes to `log` so a failure can show it."""

    def __init__(
        self, args: list[str], env: dict[str, str], log: Path, program: str = HOTLINE
    ) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.program = program  # or another console script of the environment (gunicorn)
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Hotline:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [self.program, *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_interruptible,
            )
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_healthy(self, base: str) -> float:
        """Seconds until /healthz first answered 200; fails with the process's output."""
        started = time.monotonic()
        last = "no answer"
        while time.monotonic() - started < READY_SECONDS:
            assert self.popen is not None and self.popen.poll() is None, self.output()
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=READY_SECONDS) as reply:
                    if reply.status == 200:
                        return time.monotonic() - started
            except urllib.error.HTTPError as error:
                last = f"HTTP {error.code}"
            except OSError as error:  # not listening yet
                last = str(error)
            time.sleep(0.1)
        raise AssertionError(f"{self.args} not healthy ({last}):\n{self.output()}")

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        assert self.popen is not None
        if self.popen.poll() is None:
            self.popen.send_signal(how)
        try:
            return self.popen.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(f"{self.args} ignored {how.name}:\n{self.output()}") from None


def hotline_env(database_url: str, port: int, auth_token: str, **extra: str) -> dict[str, str]:
    """Local mode (no provider account) on `database_url`, public at 127.0.0.1:port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "HOTLINE_"))}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="restart-test-secret-0123456789abcdef",
        TWILIO_AUTH_TOKEN=auth_token,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        **extra,
    )
    return env
