"""The fault scenarios. Each sets up a street, runs the real processes, injects one fault, and
checks outcomes in the database and at the provider; `run(report)` raises ScenarioFailed."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import sustained
from chaos import checks, harness, street, texting
from chaos.harness import Report, expect, rows, scalar

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("CHAOS_KILLS", "6"))
WARM = 40  # texts before a load is timed
QUICK_WORKER = {
    "HOTLINE_OUTBOX_LEASE_SECONDS": "2",
    "HOTLINE_SWEEP_TICK_SECONDS": "1",
    "HOTLINE_SWEEP_LEASE_SECONDS": "2",
    "HOTLINE_OFFERS_PER_DAY": "1000000",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    claim: str
    run: Callable[[Report], None]
    postgres: bool = True


def _database() -> str:
    url = harness.postgres_url()
    assert url is not None
    return url


def _transaction_open(flask_app, application: str) -> bool:
    """Does a process of this name hold an open transaction right now?"""
    return bool(
        scalar(
            flask_app,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"
            " AND xact_start IS NOT NULL AND state <> 'idle'",
            name=application,
        )
    )


# -- the provider down -----------------------------------------------------------------------


def provider_down(report: Report) -> None:
    """The in-process scenario under the frozen clock (also part of make test)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["tests/faults/test_provider_down.py"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    report.add(done.stdout.strip().splitlines()[-1])
    expect(done.returncode == 0, done.stdout[-2000:])


# -- kill -9 -----------------------------------------------------------------------------------


def kill_worker_mid_send(report: Report) -> None:
    url = _database()
    flask_app = harness.fresh_app(url)
    double = harness.provider_double()
    double.hang_next(10**5, 0.03)  # every provider call takes 30 ms: kills land mid-call
    street.queued_texts(flask_app, 400)
    env = harness.provider_env(url, double, **QUICK_WORKER)
    snapshots: list[tuple[set, int]] = []
    try:
        for n in range(KILLS):
            process = harness.worker(f"send-{n}", env).start()
            calls = len(double.requests)
            harness.wait_for(lambda c=calls: len(double.requests) > c + 10, 30, 0.05)
            time.sleep(random.uniform(0, 0.5))
            snapshots.append((checks.sent_keys(flask_app), len(double.requests)))
            process.kill()
        last = harness.worker("send-last", env).start()
        drained = harness.wait_for(lambda: checks.unsent(flask_app) == 0, 90)
        last.stop()
        expect(drained, f"outbox not drained: {checks.unsent(flask_app)} left; {last.tail()}")
        report.add(f"{KILLS} workers killed with -9 while sending 400 texts")
        checks.each_sent_once(
            flask_app, double, report, in_flight_allowed=KILLS, snapshots=snapshots
        )
    finally:
        double.stop()
        harness.close(flask_app)


@dataclass(frozen=True)
class DueWork:
    """Tickets whose survey is due, and tickets whose first wave of offers has run out."""

    surveyed: list[int]
    waiting: list[int]
    expired: list[int]

    @classmethod
    def build(cls, flask_app, tickets: int) -> DueWork:
        street.volunteers(flask_app, 2 * tickets)
        ticket_ids = street.tickets(flask_app, tickets)
        surveyed, waiting = ticket_ids[: tickets // 2], ticket_ids[tickets // 2 :]
        street.resolved_long_ago(flask_app, surveyed)
        return cls(surveyed, waiting, street.offers_run_out(flask_app))

    def finished(self, flask_app) -> bool:
        surveys = scalar(flask_app, "SELECT count(*) FROM surveys")
        return checks.unsent(flask_app) == 0 and surveys == len(self.surveyed)

    def check_done_once(self, flask_app, report: Report) -> None:
        """Each survey created and texted once, each expiry closed once, one second wave each."""
        per_ticket = _count_by(flask_app, "SELECT ticket_id FROM surveys")
        texts = _count_by(flask_app, "SELECT ticket_id FROM messages WHERE template LIKE 'survey%'")
        expect(
            set(per_ticket) == set(self.surveyed) and set(per_ticket.values()) == {1},
            f"surveys per ticket: {Counter(per_ticket.values())}",
        )
        expect(set(texts.values()) == {1}, f"survey texts per ticket: {Counter(texts.values())}")
        expiries = Counter(
            _offer_of(data)
            for (data,) in rows(
                flask_app, "SELECT data FROM ticket_events WHERE kind = 'offer_expired'"
            )
        )
        expect(
            set(expiries) == set(self.expired) and set(expiries.values()) == {1},
            f"expiries: {len(expiries)} of {len(self.expired)}, {Counter(expiries.values())}",
        )
        waves = _count_by(flask_app, "SELECT ticket_id FROM offers WHERE wave = 2")
        expect(
            set(waves) == set(self.waiting) and set(waves.values()) == {3},
            f"second waves: {len(waves)} of {len(self.waiting)}, sizes {Counter(waves.values())}",
        )
        report.add(
            f"{len(self.surveyed)} due surveys each created and texted once; "
            f"{len(self.expired)} expired offers each closed once; "
            f"{len(self.waiting)} second waves, one per ticket"
        )


def kill_worker_mid_sweep(report: Report) -> None:
    url = _database()
    flask_app = harness.fresh_app(url, HOTLINE_OFFERS_PER_DAY=10**6)
    double = harness.provider_double()
    work = DueWork.build(flask_app, 160)
    name = "chaos-sweeper"
    env = harness.provider_env(
        harness.with_application_name(url, name), double, HOTLINE_SWEEP_BATCH="10", **QUICK_WORKER
    )
    inside = 0
    try:
        for n in range(KILLS):
            process = harness.worker(f"sweep-{n}", env).start()
            harness.wait_for(lambda: _transaction_open(flask_app, name), 30, 0.02)
            time.sleep(random.uniform(0, 0.05))
            inside += _transaction_open(flask_app, name)
            process.kill()
        last = harness.worker("sweep-last", env).start()
        done = harness.wait_for(lambda: work.finished(flask_app), 120)
        time.sleep(4)  # more ticks: a sweep that ran twice must change nothing
        last.stop()
        expect(done, f"sweeps did not finish; {last.tail()}")
    finally:
        double.stop()
    try:
        report.add(f"{KILLS} workers killed with -9, {inside} of them inside a transaction")
        work.check_done_once(flask_app, report)
        checks.each_sent_once(flask_app, double, report, in_flight_allowed=KILLS)
    finally:
        harness.close(flask_app)


def _count_by(flask_app, sql: str) -> Counter:
    return Counter(row[0] for row in rows(flask_app, sql))


def _offer_of(data: object) -> int:
    return (json.loads(data) if isinstance(data, str) else data)["offer"]


# -- two workers, two schedulers ---------------------------------------------------------------


def two_workers_two_schedulers(report: Report) -> None:
    url = _database()
    flask_app = harness.fresh_app(url, HOTLINE_OFFERS_PER_DAY=10**6)
    double = harness.provider_double()
    double.hang_next(10**5, 0.01)
    work = DueWork.build(flask_app, 100)
    street.queued_texts(flask_app, 300)
    env = harness.provider_env(url, double, HOTLINE_SWEEP_BATCH="10", **QUICK_WORKER)
    workers = [harness.worker(f"pair-{n}", env).start() for n in range(2)]
    try:
        done = harness.wait_for(lambda: work.finished(flask_app), 120)
        time.sleep(5)  # both schedulers tick several more times
    finally:
        for process in workers:
            process.stop()
        double.stop()
    try:
        expect(done, "the pair did not finish the work")
        expect(all(p.popen and p.popen.returncode == 0 for p in workers), "a worker crashed")
        holders = rows(flask_app, "SELECT holder FROM leases WHERE name = 'sweeps'")
        report.add(f"2 workers, each sending and scheduling; sweep lease holder {holders[0][0]}")
        work.check_done_once(flask_app, report)
        checks.each_sent_once(flask_app, double, report)
    finally:
        harness.close(flask_app)


# -- PostgreSQL restarted under load -----------------------------------------------------------


def postgres_restart(report: Report) -> None:
    url = _database()
    flask_app = harness.fresh_app(url, HOTLINE_OFFERS_PER_DAY=10**6)
    double = harness.provider_double()
    street.volunteers(flask_app, 100)
    count, rate = 400, 16.0
    street.residents(flask_app, [texting.form(n, 7)["From"] for n in range(count)])
    env = harness.provider_env(url, double, **QUICK_WORKER)
    sender = harness.worker("restart-worker", env).start()
    health: list[int] = []
    try:
        with harness.web(url, double, 4, **QUICK_WORKER) as base:
            stop_polling = threading.Event()
            poller = threading.Thread(target=_poll_health, args=(base, health, stop_polling))
            poller.start()
            restart = threading.Timer(6.0, _restart_postgres, args=(report,))
            restart.start()

            def send(n: int) -> texting.Delivery:
                return texting.deliver(base, texting.form(n, 7), retries=15, wait=2.0)

            deliveries, _ = texting.open_loop(send, count, rate)
            restart.join()
            stop_polling.set()
            poller.join()
        drained = harness.wait_for(lambda: checks.unsent(flask_app) == 0, 60)
        sender.stop()
    finally:
        _ensure_postgres()
        double.stop()
    try:
        attempts = [a for d in deliveries for a in d.attempts]
        statuses = Counter(a.status for a in attempts)
        refused = [a.ms for a in attempts if a.status == 503]
        report.add(f"{count} texts at {rate:.0f}/s through 4 web workers; answers {dict(statuses)}")
        expect(set(statuses) <= {200, 503}, f"answers other than 200/503: {dict(statuses)}")
        expect(refused, "the restart was not noticed by any request")
        report.add(
            f"503 answered in median {texting.percentile(refused, 50):.0f} ms, "
            f"p99 {texting.percentile(refused, 99):.0f} ms; health 503 seen {health.count(503)}x"
        )
        expect(texting.percentile(refused, 99) < 2000, "503s were slow")
        expect(all(d.final.status == 200 for d in deliveries), "a text never got through")
        expect(all(d.final.replies == 1 for d in deliveries), "a text's final answer had no reply")
        expect(drained, "the worker did not drain the outbox after the restart")
        _whole_tickets(flask_app, count, report)
        checks.each_sent_once(flask_app, double, report, in_flight_allowed=1)
    finally:
        harness.close(flask_app)


def _poll_health(base: str, seen: list[int], stop: threading.Event) -> None:
    import urllib.error
    import urllib.request

    while not stop.wait(0.2):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                seen.append(response.status)
        except urllib.error.HTTPError as error:
            seen.append(error.code)
        except OSError:
            seen.append(0)


def _cluster() -> list[str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


def _restart_postgres(report: Report) -> None:
    started = time.monotonic()
    subprocess.run([*_cluster(), "restart"], check=True, capture_output=True)
    report.add(
        f"PostgreSQL restarted (pg_ctlcluster restart took {time.monotonic() - started:.1f} s)"
    )


def _ensure_postgres() -> None:
    """Whatever happened, leave the cluster running."""
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
        subprocess.run([*_cluster(), "start"], capture_output=True)
    for _ in range(30):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
            return
        time.sleep(1)


def _whole_tickets(flask_app, count: int, report: Report) -> None:
    """Every text stored once, with its ticket, its events, its offers and its reply."""
    inbound = scalar(flask_app, "SELECT count(*) FROM messages WHERE direction = 'in'")
    distinct = scalar(
        flask_app, "SELECT count(DISTINCT provider_sid) FROM messages WHERE direction = 'in'"
    )
    tickets = scalar(flask_app, "SELECT count(*) FROM tickets")
    replies = scalar(flask_app, "SELECT count(*) FROM messages WHERE status = 'replied'")
    orphans = scalar(
        flask_app, "SELECT count(*) FROM messages WHERE direction = 'in' AND ticket_id IS NULL"
    )
    unreceived = scalar(
        flask_app,
        "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e"
        " WHERE e.ticket_id = t.id AND e.kind = 'received')",
    )
    unoffered = scalar(
        flask_app,
        "SELECT count(*) FROM tickets t WHERE (SELECT count(*) FROM offers o"
        " WHERE o.ticket_id = t.id AND o.message_id IS NOT NULL) <> 3",
    )
    found = (inbound, distinct, tickets, replies, orphans, unreceived, unoffered)
    expect(found == (count, count, count, count, 0, 0, 0), f"half-written: {found}")
    report.add(f"{count} texts -> {count} tickets, each with its events, 3 offers and 1 reply")


# -- the same text 100 times at once -----------------------------------------------------------


def duplicate_deliveries(report: Report) -> None:
    urls = [f"sqlite:///{tempfile.mkdtemp()}/dup.db"]
    if harness.postgres_url():
        urls.append(_database())
    for url in urls:
        flask_app = harness.fresh_app(url)
        double = harness.provider_double()
        try:
            with harness.web(url, double, 4) as base:
                fields = texting.form(1, 9, "楼道灯不亮了")
                barrier = threading.Barrier(100)

                def once(_: int, fields=fields, base=base, barrier=barrier) -> texting.Attempt:
                    barrier.wait()
                    return texting.post(base, fields)

                with texting.ThreadPoolExecutor(100) as pool:
                    answers = list(pool.map(once, range(100)))
            found = (
                Counter(a.status for a in answers),
                sum(a.replies for a in answers),
                scalar(flask_app, "SELECT count(*) FROM tickets"),
                scalar(flask_app, "SELECT count(*) FROM messages WHERE direction = 'in'"),
                scalar(flask_app, "SELECT count(*) FROM messages WHERE status = 'replied'"),
            )
            database = url.split(":")[0]
            report.add(
                f"{database}: statuses {dict(found[0])}, replies in answers {found[1]}, "
                f"tickets {found[2]}, stored texts {found[3]}, reply rows {found[4]}"
            )
            expect(found[0] == Counter({200: 100}) and found[1:] == (1, 1, 1, 1), str(found))
        finally:
            double.stop()
            harness.close(flask_app)


# -- a database that cannot write --------------------------------------------------------------


def read_only_database(report: Report) -> None:
    from sqlalchemy import create_engine, make_url, text

    url = harness.with_database(_database(), make_url(_database()).database + "_ro")
    harness.ensure_database(url)
    flask_app = harness.fresh_app(url)
    admin = create_engine(harness.with_database(url, "postgres"), isolation_level="AUTOCOMMIT")
    name = make_url(url).database

    def set_read_only(on: bool) -> None:
        with admin.connect() as conn:
            setting = (
                "SET default_transaction_read_only = on"
                if on
                else "RESET default_transaction_read_only"
            )
            conn.execute(text(f'ALTER DATABASE "{name}" {setting}'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )

    double = harness.provider_double()
    try:
        with harness.web(url, double, 2) as base:
            before = [texting.post(base, texting.form(n, 3)) for n in range(5)]
            set_read_only(True)
            refused = [texting.post(base, texting.form(n, 4)) for n in range(20)]
            stored = scalar(flask_app, "SELECT count(*) FROM messages")
            set_read_only(False)
            retried = [
                texting.deliver(base, texting.form(n, 4), retries=5, wait=0.5) for n in range(20)
            ]
    finally:
        set_read_only(False)
        admin.dispose()
        double.stop()
    try:
        expect(all(a.status == 200 for a in before), "texts failed before the fault")
        statuses = Counter(a.status for a in refused)
        slowest = max(a.ms for a in refused)
        report.add(
            f"read-only: {dict(statuses)}, slowest answer {slowest:.0f} ms, "
            f"rows stored meanwhile {stored - 10}"
        )
        expect(statuses == Counter({503: 20}) and slowest < 1000, "not a quick 503")
        expect(stored == 10, "something was stored while the database was read-only")
        expect(all(d.final.status == 200 and d.final.replies == 1 for d in retried), "retry lost")
        tickets = scalar(flask_app, "SELECT count(*) FROM tickets")
        expect(tickets == 25, f"{tickets} tickets, expected 25")
        report.add("Twilio's retries after the fault: 20 texts stored once, 25 tickets in all")
    finally:
        harness.close(flask_app)


def disk_full(report: Report) -> None:
    """SQLite on a 4 MB tmpfs, filled up with a ballast file."""
    mount = Path(tempfile.mkdtemp(prefix="hotline-full-"))
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
        ).returncode
        != 0
    ):
        report.add("SKIPPED: cannot mount a tmpfs here (needs root)")
        return
    url = f"sqlite:///{mount}/hotline.db"
    double = harness.provider_double()
    flask_app = harness.fresh_app(url)
    ballast = mount / "ballast"
    try:
        with harness.web(url, double, 2) as base:
            before = [texting.post(base, texting.form(n, 5)) for n in range(5)]
            _fill(ballast)
            refused = [texting.post(base, texting.form(n, 6)) for n in range(20)]
            ballast.unlink()
            retried = [
                texting.deliver(base, texting.form(n, 6), retries=5, wait=0.5) for n in range(20)
            ]
        statuses = Counter(a.status for a in refused)
        slowest = max(a.ms for a in refused)
        report.add(f"disk full: {dict(statuses)}, slowest answer {slowest:.0f} ms")
        expect(all(a.status == 200 for a in before), "texts failed before the fault")
        expect(statuses == Counter({503: 20}) and slowest < 1000, "not a quick 503")
        expect(all(d.final.status == 200 and d.final.replies == 1 for d in retried), "retry lost")
        tickets = scalar(flask_app, "SELECT count(*) FROM tickets")
        texts = scalar(flask_app, "SELECT count(*) FROM messages WHERE direction = 'in'")
        expect((tickets, texts) == (25, 25), f"{tickets} tickets, {texts} texts, expected 25")
        report.add("after space was freed, Twilio's retries stored each text once: 25 tickets")
    finally:
        double.stop()
        harness.close(flask_app)
        subprocess.run(["umount", str(mount)], capture_output=True)
        shutil.rmtree(mount, ignore_errors=True)


def _fill(path: Path) -> None:
    with path.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass


# -- hostile input at length -------------------------------------------------------------------


def fuzz_long(report: Report) -> None:
    examples = os.environ.get("CHAOS_FUZZ_EXAMPLES", "1000")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "fuzz"]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "FUZZ_EXAMPLES": examples},
    )
    report.add(f"{examples} examples per fuzz test: {done.stdout.strip().splitlines()[-1]}")
    expect(done.returncode == 0, done.stdout[-3000:])


# -- scale-out load ----------------------------------------------------------------------------


def scale_out(report: Report) -> None:
    """bench/sustained.py at one rate: texts from residents placed where 500 volunteers are,
    so every ticket has a first wave of offers to send and each offer can be checked."""
    rate = float(os.environ.get("CHAOS_RATE", "20"))
    seconds = float(os.environ.get("CHAOS_SECONDS", "60"))
    outcome = sustained.run(_database(), rate, seconds)
    sustained.report(outcome, report.add)
    expect(outcome.holds, "; ".join(outcome.problems))


ALL = [
    Scenario(
        "provider_down_10min",
        "texts kept, backlog sent once in priority order",
        provider_down,
        postgres=False,
    ),
    Scenario(
        "kill_worker_mid_send",
        "kill -9 while sending: nothing marked sent resent",
        kill_worker_mid_send,
    ),
    Scenario(
        "kill_worker_mid_sweep",
        "kill -9 mid-sweep: each expiry/survey done once",
        kill_worker_mid_sweep,
    ),
    Scenario(
        "two_workers_two_schedulers",
        "rows claimed once, sweeps run once",
        two_workers_two_schedulers,
    ),
    Scenario(
        "duplicate_webhook_x100",
        "100 copies at once: one ticket, one reply",
        duplicate_deliveries,
        postgres=False,
    ),
    Scenario(
        "read_only_database", "quick 503, nothing stored, retries stored once", read_only_database
    ),
    Scenario(
        "disk_full_sqlite",
        "quick 503, nothing stored, retries stored once",
        disk_full,
        postgres=False,
    ),
    Scenario(
        "postgres_restart", "reconnect, 503 in the gap, nothing half-written", postgres_restart
    ),
    Scenario(
        "fuzz_long",
        "hostile input at length: no 5xx, nothing stored unsigned",
        fuzz_long,
        postgres=False,
    ),
    Scenario(
        "scale_out", "4 web + 2 workers: each text, ticket, offer once; offers in 2 s", scale_out
    ),
]
