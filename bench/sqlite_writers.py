"""Concurrent SQLite writers in one process: a process-wide writer lock vs busy_timeout alone.

Both designs use WAL and `BEGIN IMMEDIATE` for write transactions (reads begin deferred and
never wait for a writer). "lock" also queues the threads of this process on one
`threading.Lock` before `BEGIN IMMEDIATE` (as app/sqlite_writer.py does, before its lock
between processes);
"busy_timeout" lets SQLite's busy handler make them wait. Each write transaction inserts a row,
reads a count and commits, like a webhook's unit of work; readers run alongside.

    .venv/bin/python bench/sqlite_writers.py [--threads 8] [--writes 300] [--work-ms 2]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def run(
    path: Path, threads: int, writes: int, work_ms: float, lock: threading.Lock | None
) -> dict[str, float]:
    conn = connect(path)
    conn.execute("DROP TABLE IF EXISTS t")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    conn.close()
    latencies: list[float] = []
    read_latencies: list[float] = []
    guard: Callable[[], AbstractContextManager[object]] = (
        (lambda: lock) if lock is not None else nullcontext  # type: ignore[assignment,return-value]
    )
    done = threading.Event()

    def writer() -> None:
        c = connect(path)
        for _ in range(writes):
            started = time.perf_counter()
            with guard():
                c.execute("BEGIN IMMEDIATE")
                c.execute("INSERT INTO t (body) VALUES ('x')")
                c.execute("SELECT count(*) FROM t").fetchone()
                time.sleep(work_ms / 1000)  # the Python work a unit does holding the lock
                c.execute("COMMIT")
            latencies.append(time.perf_counter() - started)
        c.close()

    def reader() -> None:
        c = connect(path)
        while not done.is_set():
            started = time.perf_counter()
            c.execute("BEGIN")
            c.execute("SELECT count(*) FROM t").fetchone()
            c.execute("COMMIT")
            read_latencies.append(time.perf_counter() - started)
            time.sleep(0.005)
        c.close()

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    started = time.perf_counter()
    for t in workers + readers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - started
    done.set()
    for t in readers:
        t.join()
    latencies.sort()
    read_latencies.sort()
    return {
        "tx/s": threads * writes / elapsed,
        "median ms": statistics.median(latencies) * 1000,
        "p99 ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "max ms": latencies[-1] * 1000,
        "read p99 ms": read_latencies[int(len(read_latencies) * 0.99)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--work-ms", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.threads} writer threads x {args.writes} tx, {args.work_ms} ms work inside each")
    print(f"{'design':<14}{'tx/s':>8}{'median ms':>11}{'p99 ms':>9}{'max ms':>9}{'read p99':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            for name, lock in (("lock", threading.Lock()), ("busy_timeout", None)):
                path = Path(tmp) / f"{name}{round_}.db"
                r = run(path, args.threads, args.writes, args.work_ms, lock)
                print(
                    f"{name:<14}{r['tx/s']:>8.0f}{r['median ms']:>11.1f}{r['p99 ms']:>9.1f}"
                    f"{r['max ms']:>9.1f}{r['read p99 ms']:>10.1f}"
                )


if __name__ == "__main__":
    main()
