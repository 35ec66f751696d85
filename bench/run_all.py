"""`make bench`: every benchmark, each with its same-run baseline, one after another.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/<scratch> make bench   # EMPTIES it
    make bench                     # SQLite: sizes above 10^5 tickets are skipped (said below)
    BENCH_QUICK=1 make bench       # smaller sizes and fewer requests, a few minutes

Prints the machine first (cores, CPU, memory, load: a busy machine shows in every figure), then
each benchmark's own table. Exits 1 if any benchmark failed.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers

ROOT = servers.ROOT
QUICK = bool(os.environ.get("BENCH_QUICK"))
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")


def plan() -> list[tuple[str, list[str], dict[str, str]]]:
    """(title, arguments, extra environment) per benchmark."""
    big = "100000" if QUICK or not POSTGRES else "1000000"
    dashboard_sizes = "10000,100000" if QUICK or not POSTGRES else "10000,100000,1000000"
    return [
        ("SMS webhook and IVR step vs bare Flask (gunicorn)", ["bench/webhooks.py"], {}),
        ("cost of one text, no volunteers", ["bench/webhook_cost.py"], {}),
        ("cost of one text, 30 volunteers", ["bench/webhook_cost.py", "--volunteers", "30"], {}),
        ("the worker's cost of one new ticket", ["bench/worker_cost.py"], {}),
        (
            "whole IVR calls, 20 at a time",
            ["bench/ivr_step.py", "--calls", "60" if QUICK else "200"],
            {},
        ),
        ("growth with data", ["bench/growth.py"], {}),
        ("matching", ["bench/matching.py"], {}),
        ("sweeps", ["bench/sweeps.py"], {"BENCH_TICKETS": big}),
        (
            "dashboard queue and weekly report",
            ["bench/dashboard.py", "--sizes", dashboard_sizes],
            {},
        ),
    ]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores, {cpu}, {memory} MB RAM, "
        f"Python {platform.python_version()}, load average {load}"
    )


def main() -> int:
    print(machine())
    if POSTGRES:
        print("database: PostgreSQL from DATABASE_URL (its tables are emptied)")
    else:
        print(
            "database: SQLite in temporary files. SKIPPED without DATABASE_URL=postgresql+psycopg://"
            "...: growth, sweeps and dashboard at 10^6 tickets (largest here: 10^5)."
        )
    if QUICK:
        print("BENCH_QUICK: smaller sizes and fewer requests")
    failed = []
    started = time.monotonic()
    for title, arguments, extra in plan():
        print(f"\n== {title}: {' '.join(arguments)}", flush=True)
        began = time.monotonic()
        if POSTGRES:  # each benchmark starts from an empty schema, as on a fresh database
            servers.reset_database(os.environ["DATABASE_URL"])
        done = subprocess.run([sys.executable, *arguments], cwd=ROOT, env={**os.environ, **extra})
        print(f"({time.monotonic() - began:.0f} s)", flush=True)
        if done.returncode != 0:
            failed.append(title)
    print(
        f"\nall benchmarks: {time.monotonic() - started:.0f} s"
        + (f"; FAILED: {failed}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
