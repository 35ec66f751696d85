"""SMS webhook throughput and latency against a bare Flask app under the same server and load.

    .venv/bin/python bench/sms_webhook.py [--requests 1500] [--concurrency 8] [--workers 2]

Each request is a distinct, correctly signed text from a distinct number (so each opens a new
ticket and gets a reply); the bare app parses the same form and answers the same TwiML.
DATABASE_URL selects PostgreSQL; by default a fresh SQLite file is used.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.telephony.simulate import sign
from bench import load, servers

BODIES = ["洗衣机坏了，转几下就不动了", "楼道灯不亮了", "厨房水龙头漏水", "My TV has no picture"]


def signed_requests(base: str, count: int, offset: int) -> list[load.Request]:
    url = base + "/twilio/sms"
    requests = []
    for i in range(count):
        form = {
            "MessageSid": f"SM{offset + i:032x}",
            "AccountSid": "AC" + "0" * 32,
            "From": f"+86139{offset + i:08d}",
            "To": "580",
            "Body": BODIES[i % len(BODIES)],
        }
        headers = {
            "X-Twilio-Signature": sign(servers.AUTH_TOKEN, url, form),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        requests.append((url, urlencode(form).encode(), headers))
    return requests


def measure(target: str, database_url: str, args: argparse.Namespace, offset: int) -> dict:
    port = servers.free_port()
    env = servers.app_env(database_url, port)
    with servers.gunicorn(target, env, port, args.workers, args.threads) as base:
        load.warm(signed_requests(base, 50, offset + 10**7))
        closed = load.closed_loop(signed_requests(base, args.requests, offset), args.concurrency)
        rate = max(10.0, closed.rate * 0.6)
        opened = load.open_loop(signed_requests(base, args.requests, offset + 10**6), rate)
    return {"closed": closed, "open": opened, "rate": rate}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        servers.migrate(database_url)
        bare = measure("bench.bare_app:app", database_url, args, 0)
        ours = measure("app:create_app()", database_url, args, 5 * 10**7)
    db = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    print(
        f"SMS webhook, {db}, gunicorn -w {args.workers} --threads {args.threads}, "
        f"{os.cpu_count()} cores, "
        f"{args.requests} requests, {args.concurrency} clients"
    )
    print(
        f"{'':14}{'req/s':>9}{'median ms':>11}{'p99 ms':>9}{'errors':>8}"
        f"{'open-loop rate':>16}{'median':>8}{'p99':>8}"
    )
    for name, r in (("bare Flask", bare), ("580 Hotline", ours)):
        c, o = r["closed"], r["open"]
        print(
            f"{name:14}{c.rate:9.1f}{c.median:11.1f}{c.percentile(99):9.1f}"
            f"{c.errors + o.errors:8d}{r['rate']:13.1f}/s{o.median:8.1f}{o.percentile(99):8.1f}"
        )
    ratio = ours["closed"].rate / bare["closed"].rate
    print(f"throughput ratio (hotline / bare Flask): {ratio:.2f}")


if __name__ == "__main__":
    main()
