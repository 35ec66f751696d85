"""The SMS webhook and an IVR step against a bare Flask app, under the same server and load tool.

    .venv/bin/python bench/webhooks.py [--requests 1500] [--concurrency 8] [--workers 2]
    BENCH_QUICK=1 .venv/bin/python bench/webhooks.py          # a third of the requests

Each SMS is a distinct, correctly signed text from a distinct number (so each opens a new ticket
and gets a reply); each IVR step is the first step of a new call (the Call row is created and the
greeting's TwiML comes back). The bare app parses the same form and answers the same kind of
TwiML. Per app: closed-loop throughput and latency (`--concurrency` clients as fast as they can),
then open-loop latency at one fixed rate for both (60% of the hotline's closed-loop rate), then the
resident memory of each gunicorn worker. DATABASE_URL selects PostgreSQL (its tables are emptied);
by default a fresh SQLite file is used.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.telephony.simulate import sign
from bench import load, servers

BODIES = ["洗衣机坏了，转几下就不动了", "楼道灯不亮了", "厨房水龙头漏水", "My TV has no picture"]
QUICK = bool(os.environ.get("BENCH_QUICK"))


def sms_form(n: int) -> dict[str, str]:
    return {
        "MessageSid": f"SM{n:032x}",
        "AccountSid": "AC" + "0" * 32,
        "From": f"+86139{n:08d}",
        "To": "580",
        "Body": BODIES[n % len(BODIES)],
    }


def call_form(n: int) -> dict[str, str]:
    return {
        "CallSid": f"CA{n:032x}",
        "AccountSid": "AC" + "0" * 32,
        "From": f"+86139{n:08d}",
        "To": "+862363580580",
        "CallStatus": "ringing",
    }


WEBHOOKS = {"SMS webhook": ("/twilio/sms", sms_form), "IVR step": ("/twilio/voice", call_form)}


def signed_requests(base: str, webhook: str, count: int, offset: int) -> list[load.Request]:
    path, form_of = WEBHOOKS[webhook]
    url = base + path
    requests = []
    for n in range(offset, offset + count):
        form = form_of(n)
        headers = {
            "X-Twilio-Signature": sign(servers.AUTH_TOKEN, url, form),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        requests.append((url, urlencode(form).encode(), headers))
    return requests


@dataclass
class Measured:
    closed: load.Result
    opened: load.Result | None = None
    rss_mb: list[float] | None = None


def measure(target: str, webhook: str, database_url: str, args, offset: int, rate: float | None):
    port = servers.free_port()
    env = servers.app_env(database_url, port)
    with servers.gunicorn(target, env, port, args.workers, args.threads) as base:
        load.warm(signed_requests(base, webhook, 50, offset + 10**7))
        closed = load.closed_loop(
            signed_requests(base, webhook, args.requests, offset), args.concurrency
        )
        rate = rate or max(5.0, closed.rate * 0.6)
        opened = load.open_loop(signed_requests(base, webhook, args.requests, offset + 10**6), rate)
        rss = servers.worker_rss_mb(port)
    return Measured(closed, opened, rss), rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500 if QUICK else 1500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    print(
        f"Webhooks vs bare Flask: {database}, gunicorn -w {args.workers} --threads "
        f"{args.threads}, {os.cpu_count()} cores, {args.requests} requests per run, "
        f"{args.concurrency} closed-loop clients; open loop at one fixed rate for both"
    )
    print(
        f"{'':26}{'req/s':>8}{'median':>8}{'p99':>8}{'err':>5}"
        f"{'open rate':>11}{'median':>8}{'p99':>8}{'err':>5}{'RSS MB/worker':>15}"
    )
    for n, webhook in enumerate(WEBHOOKS):
        servers.reset_database(database_url)
        offset = n * 10**8
        ours, rate = measure("app:create_app()", webhook, database_url, args, offset, None)
        bare, _ = measure(
            "bench.bare_app:app", webhook, database_url, args, offset + 5 * 10**7, rate
        )
        for name, r in ((f"{webhook}: bare Flask", bare), (f"{webhook}: 580 Hotline", ours)):
            c, o = r.closed, r.opened
            rss = "/".join(f"{mb:.0f}" for mb in r.rss_mb or [])
            print(
                f"{name:26}{c.rate:8.1f}{c.median:8.1f}{c.percentile(99):8.1f}{c.errors:5d}"
                f"{rate:9.1f}/s{o.median:8.1f}{o.percentile(99):8.1f}{o.errors:5d}{rss:>15}"
            )
        print(
            f"{webhook}: throughput ratio hotline/bare {ours.closed.rate / bare.closed.rate:.3f}; "
            f"open-loop median x{ours.opened.median / bare.opened.median:.1f}, "
            f"p99 x{ours.opened.percentile(99) / bare.opened.percentile(99):.1f} (ms above)"
        )


if __name__ == "__main__":
    main()
