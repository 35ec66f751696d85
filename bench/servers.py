"""Starting the app and a bare Flask baseline under the same server, for benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AUTH_TOKEN = "bench-auth-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="bench-secret-0123456789abcdef-0123456789",
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
    )
    return env


@contextlib.contextmanager
def gunicorn(
    target: str,
    env: dict[str, str],
    port: int,
    workers: int,
    threads: int = 1,
    log: Path | None = None,
    up_within: float = 120,
) -> Iterator[str]:
    """Run `target` under gunicorn until the block ends; yields the base URL.

    threads > 1 uses the gthread worker, which suits SQLite (one writer process). With `log`,
    the server's output goes to that file instead of the terminal. It must answer /healthz
    within `up_within` seconds (each worker imports the app: slow on a busy machine).
    """
    command = [str(BIN / "gunicorn"), "-w", str(workers), "--threads", str(threads)]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT)]
    command.append(target)
    output = log.open("ab") if log is not None else None
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, up_within)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        if output is not None:
            output.close()


def wait_until_up(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {base} did not start")


def worker_rss_mb(port: int) -> list[float]:
    """Resident memory of each gunicorn worker serving `port` (the master is left out)."""
    processes: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            if f"127.0.0.1:{port}".encode() not in command:
                continue
            status = (entry / "status").read_text().splitlines()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status if ":" in line)
        rss_kb = float(fields["VmRSS"].split()[0])
        processes[int(entry.name)] = (int(fields["PPid"]), rss_kb / 1024)
    return sorted(mb for ppid, mb in processes.values() if ppid in processes)


def reset_database(database_url: str) -> None:
    """Drop every table and migrate again, so each benchmark starts from the same empty state."""
    env = app_env(database_url, 0)
    code = (
        "import app.models; from app import create_app; from app.db import Base, db;"
        "from sqlalchemy import text\n"
        "with create_app().app_context():\n"
        "    with db.engine.begin() as c:\n"
        "        Base.metadata.drop_all(c); c.execute(text('DROP TABLE IF EXISTS alembic_version'))"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)
    migrate(database_url)


def migrate(database_url: str) -> None:
    env = app_env(database_url, 0)
    subprocess.run(
        [str(BIN / "hotline"), "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
