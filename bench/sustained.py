"""The highest sustained rate of ticket-creating texts through 4 web + 2 worker processes.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/<scratch> \\
        .venv/bin/python bench/sustained.py [--rates 20,30,40] [--seconds 30]

For each rate, from a fresh database (its tables are DROPPED) with 500 volunteers who can take
every category in two communities, and the texts' senders known residents there (a stranger is
first asked where, and dispatch waits for the answer), each in a building of their own (two
reports from one building could be one problem, merged by the worker): gunicorn with 4 sync
workers on `app:create_app()` and two `hotline worker` processes, the provider being the
Twilio REST double, all on this machine with the load generator. Signed texts, one per sender,
arrive at the fixed rate (open loop) for the given seconds; then the jobs and the outbox are
left to drain. A rate holds when:

- every text got a 200 whose reply holds a ticket code, and each opened exactly one ticket;
- every ticket's first wave of offers reached the provider, each offer's text exactly once,
  and nothing reached the provider that the outbox does not mark sent;
- from a text's arrival to its first offer accepted by the provider: p95 within 2 s.

Stops at the first rate that does not hold and reports the highest that did, with the load
average of the machine meanwhile (other work on the machine lowers the figure).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask

from bench import cpu_use, load, servers, webhook_cost
from bench.webhooks import signed, sms_form, ticket_code
from chaos import checks, harness
from chaos.checks import OFFERS_WITHIN_SECONDS
from tests.support.twilio_double import TwilioDouble

#: The deployed defaults (leases, sweep ticks), but no daily cap on offers to one volunteer.
SETTINGS = {"HOTLINE_OFFERS_PER_DAY": str(10**6)}
VOLUNTEERS = 500
WAVE = 3  # offers in a ticket's first wave, with this many volunteers for every category
WARM = 40  # texts before the timed load: each web worker imports and compiles first
WARM_FROM = 10**7  # their senders' numbers, apart from the timed texts'


@dataclass
class Outcome:
    rate: float
    texts: int
    answered: load.Result
    problems: list[str]
    offer_p50: float
    offer_p95: float
    drained_after: float
    load_average: float
    cpu_ms: dict[str, float]  # CPU per text by kind of process, the drain included

    @property
    def holds(self) -> bool:
        return not self.problems


def run(url: str, rate: float, seconds: float) -> Outcome:
    count = int(rate * seconds)
    flask_app = harness.fresh_app(url, HOTLINE_OFFERS_PER_DAY=10**6)
    with flask_app.app_context():  # texts from residents placed where the volunteers are
        webhook_cost.add_volunteers(VOLUNTEERS)
        webhook_cost.residents_of_communities(0, count, own_buildings=True)
        webhook_cost.residents_of_communities(WARM_FROM, WARM, own_buildings=True)
    double = harness.provider_double()
    env = harness.provider_env(url, double, **SETTINGS)
    workers = [harness.worker(f"sustained-{n}", env).start() for n in range(2)]
    problems: list[str] = []
    try:
        port = servers.free_port()
        web_env = harness.provider_env(url, double, port, **SETTINGS)
        log = harness.LOGS / "sustained-web.log"
        with servers.gunicorn("app:create_app()", web_env, port, 4, log=log) as base:
            warming = range(WARM_FROM, WARM_FROM + WARM)
            load.warm([signed(f"{base}/twilio/sms", sms_form(n)) for n in warming])
            texts = [signed(f"{base}/twilio/sms", sms_form(n)) for n in range(count)]
            started = cpu_use.snapshot()
            answered = load.open_loop(texts, rate, ticket_code)
            load_average = os.getloadavg()[0]
            finished = time.monotonic()
            drained = harness.wait_for(lambda: _pending(flask_app) == 0, 120)
            drained_after = time.monotonic() - finished
            cpu_ms = cpu_use.per_item(started, cpu_use.snapshot(), count)
    finally:
        for process in workers:
            process.stop()
        double.stop()
    try:
        if answered.errors:
            problems.append(f"{answered.errors} texts without a 200 holding a ticket code")
        if not drained:
            problems.append(f"{_pending(flask_app)} jobs and texts still pending after 120 s")
        problems += _every_ticket_and_offer(flask_app, count + WARM, double)
        delays = checks.offer_delays(flask_app)
        p95 = checks.percentile(delays, 95)
        if p95 > OFFERS_WITHIN_SECONDS:
            problems.append(f"offers out in {p95:.2f} s at p95")
        return Outcome(
            rate,
            count,
            answered,
            problems,
            checks.percentile(delays, 50),
            p95,
            drained_after,
            load_average,
            cpu_ms,
        )
    finally:
        harness.close(flask_app)


def _pending(flask_app: Flask) -> int:
    """Jobs not done yet (a ticket's dispatch) and texts not yet at the provider."""
    return harness.scalar(flask_app, "SELECT count(*) FROM jobs") + checks.unsent(flask_app)


def _every_ticket_and_offer(flask_app: Flask, texts: int, double: TwilioDouble) -> list[str]:
    """Each text one ticket; each ticket a whole first wave sent; each text at the provider once."""
    problems = []
    tickets = harness.scalar(flask_app, "SELECT count(*) FROM tickets")
    if tickets != texts:
        problems.append(f"{tickets} tickets for {texts} texts")
    waves = harness.rows(
        flask_app,
        "SELECT t.id, count(m.id) FROM tickets t LEFT JOIN offers o ON o.ticket_id = t.id"
        " LEFT JOIN messages m ON m.id = o.message_id AND m.status IN ('sent', 'delivered')"
        " GROUP BY t.id",
    )
    short = [ticket for ticket, sent in waves if sent < WAVE]
    if short:
        problems.append(f"{len(short)} tickets with fewer than {WAVE} offers at the provider")
    marked = checks.sent_keys(flask_app)
    at_provider = Counter(checks.accepted(double))
    if set(at_provider) != marked:
        problems.append(
            f"{len(marked - set(at_provider))} texts marked sent never reached the provider,"
            f" {len(set(at_provider) - marked)} reached it unmarked"
        )
    twice = sum(n - 1 for n in at_provider.values() if n > 1)
    if twice:
        problems.append(f"{twice} texts reached the provider twice")
    return problems


def report(outcome: Outcome, line: Callable[[str], None] = print) -> None:
    a = outcome.answered
    verdict = "holds" if outcome.holds else "FAILS: " + "; ".join(outcome.problems)
    line(
        f"{outcome.rate:5.0f}/s x {outcome.texts} texts: achieved {a.count / a.seconds:5.1f}/s,"
        f" answer median {a.median:6.1f} ms p99 {a.percentile(99):7.1f} ms;"
        f" first offer at the provider median {outcome.offer_p50:.2f} s p95"
        f" {outcome.offer_p95:.2f} s; drained {outcome.drained_after:.1f} s after;"
        f" load average {outcome.load_average:.1f}: {verdict}"
    )
    line(f"       CPU ms per text: {cpu_use.describe(outcome.cpu_ms)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="20,30,40,50,60")
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("sustained.py runs on PostgreSQL: set DATABASE_URL (its tables are dropped)")
    print(
        f"Sustained ticket-creating texts: 4 web + 2 worker processes, PostgreSQL, the REST"
        f" double, {os.cpu_count()} cores, {VOLUNTEERS} volunteers, {args.seconds:.0f} s per"
        f" rate, load average {os.getloadavg()[0]:.1f} before"
    )
    best = None
    for rate in (float(r) for r in args.rates.split(",")):
        outcome = run(url, rate, args.seconds)
        report(outcome)
        if not outcome.holds:
            break
        best = outcome.rate
    print(f"highest rate that holds: {best:.0f} texts/s" if best else "no rate held")


if __name__ == "__main__":
    main()
