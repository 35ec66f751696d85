"""The SMS webhook and the voice line against a bare Flask app, under the same server and load tool.

    .venv/bin/python bench/webhooks.py [--seconds 8] [--concurrency 8] [--workers 2]
    BENCH_QUICK=1 .venv/bin/python bench/webhooks.py          # 3 s per run, fewer requests
    .venv/bin/python bench/webhooks.py --only SMS              # the texts only (or: --only call)

Four requests, each measured for the hotline and for the bare app in turn:

- SMS: new ticket. A distinct, correctly signed text from a distinct number: a new ticket and
  a reply. Counted only when the answer is a 200 whose <Message> holds a ticket code.
- SMS: repeated. Texts delivered once before (not timed), again: counted only for an empty
  200 (nothing twice).
- call: answer. The first post of a new call: counted only for a 200 whose TwiML <Gather>s.
- call: key press. Key 3 at the category menu of calls already answered and past the greeting
  (that setup is not timed): counted only for a 200 whose TwiML is the next step (its action
  URLs carry step 3; a replay of the menu would carry step 2).

The bare app parses the same form and answers the same kind of TwiML (for it, any 200 with the
expected verb counts). Per app: closed-loop throughput and latency measured with wrk
(`--concurrency` connections as fast as they can, every answer checked by bench/wrk.py's Lua
script; a Python load generator would measure itself against the bare app); for new texts and
answers also open-loop latency at one fixed rate for both (60% of the hotline's closed-loop
rate, Python threads: at these rates they keep up); the resident memory of each gunicorn
worker. Server and clients are separate processes. wrk comes from Debian (`apt-get install
wrk`; `make bench` installs it when run as root). DATABASE_URL selects PostgreSQL (its tables
are emptied); by default a fresh SQLite file is used.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.telephony.simulate import sign
from bench import load, servers, wrk

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


# What a right answer holds, for wrk and for the Python open loop alike.
ticket_code = wrk.Accept(must=(r"<Message>[^<]*%d%d%d%d%d%d",))
nothing_said = wrk.Accept(must=("<Response",), must_not=("<Message>",))
gathers = wrk.Accept(must=("<Gather",))
next_step = wrk.Accept(must=("<Say", "n=3"))


@dataclass(frozen=True)
class Webhook:
    path: str
    form_of: Callable[[int], dict[str, str]]
    check: wrk.Accept
    replay: bool = False  # texts delivered once already, delivered again
    key_press: bool = False  # calls are answered and taken past the greeting first


WEBHOOKS = {
    "SMS: new ticket": Webhook("/twilio/sms", sms_form, ticket_code),
    "SMS: repeated": Webhook("/twilio/sms", sms_form, nothing_said, replay=True),
    "call: answer": Webhook("/twilio/voice", call_form, gathers),
    "call: key press": Webhook("/twilio/voice/step", call_form, next_step, key_press=True),
}
BARE_CHECKS: dict[str, wrk.Accept] = {
    "SMS: new ticket": ticket_code,
    "SMS: repeated": ticket_code,  # the bare app cannot tell a repeat: it answers again
    "call: answer": gathers,
    "call: key press": next_step,
}
OPEN_LOOP = ("SMS: new ticket", "call: answer")


def signed(url: str, form: dict[str, str]) -> load.Request:
    headers = {
        "X-Twilio-Signature": sign(servers.AUTH_TOKEN, url, form),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return (url, urlencode(form).encode(), headers)


def post(url: str, form: dict[str, str]) -> str:
    url, body, headers = signed(url, form)
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def menu_url(base: str, form: dict[str, str]) -> str:
    """Answer the call and stay silent at the greeting; the URL the menu's key press goes to."""
    greeting = post(base + "/twilio/voice", form)
    onward = re.search(r"<Redirect[^>]*>([^<]+)</Redirect>", greeting)
    if onward is None or not onward.group(1).startswith("http"):  # the bare app: no flow
        return base + "/twilio/voice/step?n=2"
    menu = post(onward.group(1).replace("&amp;", "&"), form)
    action = re.search(r'<Gather[^>]*action="([^"]+)"', menu)
    assert action is not None, menu
    return action.group(1).replace("&amp;", "&")


def signed_requests(base: str, webhook: str, count: int, offset: int) -> list[load.Request]:
    """`count` distinct requests; a key press's calls are answered and taken to the menu first
    (eight at a time, not timed)."""
    hook = WEBHOOKS[webhook]

    def one(n: int) -> load.Request:
        form = hook.form_of(n)
        if hook.key_press:
            return signed(menu_url(base, form), form | {"Digits": "3"})
        return signed(base + hook.path, form)

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(offset, offset + count)))


@dataclass
class Measured:
    closed: wrk.Summary
    opened: load.Result | None = None
    rss_mb: list[float] | None = None


def measure(target: str, database_url: str, args, offset: int, rates: dict[str, float]):
    """Every webhook against one server; `rates` holds the open-loop rates (set by the first)."""
    port = servers.free_port()
    env = servers.app_env(database_url, port)
    measured: dict[str, Measured] = {}
    bare = target.startswith("bench.")
    # Distinct requests enough for the hotline never to send one twice (the bare app, which
    # keeps nothing, may go round its list).
    distinct = 500 if bare else int(args.ceiling * args.seconds)
    with servers.gunicorn(target, env, port, args.workers, args.threads) as base:
        # Numbers stay at 8 digits after +86139: offsets below 10**8, apart for each use.
        load.warm(signed_requests(base, "SMS: new ticket", 30, offset + 4 * 10**7))
        load.warm(signed_requests(base, "call: answer", 30, offset + 4 * 10**7))
        for n, (name, hook) in enumerate(WEBHOOKS.items()):
            if not name.startswith(args.only):
                continue
            check = BARE_CHECKS[name] if bare else hook.check
            if hook.replay:  # texts already had, each delivered once before (not timed)
                requests = signed_requests(base, "SMS: new ticket", 500, offset + n * 10**6)
                load.warm(requests)
            else:
                requests = signed_requests(base, name, distinct, offset + n * 10**6)
            closed = wrk.closed_loop(requests, check, args.seconds, args.concurrency)
            if closed.wrapped and not (bare or hook.replay):
                raise SystemExit(f"{name}: the hotline passed --ceiling; raise it")
            opened = None
            if name in OPEN_LOOP:
                rate = rates.setdefault(name, max(5.0, closed.rate * 0.6))
                fresh = signed_requests(base, name, args.requests, offset + 10 * 10**6 + n * 10**6)
                opened = load.open_loop(fresh, rate, check)
            measured[name] = Measured(closed, opened)
        rss = servers.worker_rss_mb(port)
    for m in measured.values():
        m.rss_mb = rss
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=int, default=3 if QUICK else 8, help="per run (wrk: whole seconds)"
    )
    parser.add_argument(
        "--ceiling", type=float, default=800, help="answers/s the hotline is taken not to pass"
    )
    parser.add_argument("--requests", type=int, default=300 if QUICK else 900, help="open loop")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default="", help='the webhooks whose name starts so: "SMS"')
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    print(
        f"Webhooks vs bare Flask: {database}, gunicorn -w {args.workers} --threads "
        f"{args.threads}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
        f"wrk closed loop: {args.concurrency} connections for {args.seconds:g} s; "
        f"open loop ({args.requests} requests) at one fixed rate for both"
    )
    servers.reset_database(database_url)
    rates: dict[str, float] = {}
    ours = measure("app:create_app()", database_url, args, 0, rates)
    bare = measure("bench.bare_app:app", database_url, args, 5 * 10**7, rates)
    print(
        f"{'':30}{'req/s':>8}{'median':>8}{'p99':>8}{'err':>5}"
        f"{'open rate':>11}{'median':>8}{'p99':>8}{'err':>5}{'RSS MB/worker':>15}"
    )
    for webhook in ours:
        for name, r in (
            (f"{webhook}: bare", bare[webhook]),
            (f"{webhook}: hotline", ours[webhook]),
        ):
            c, o = r.closed, r.opened
            rss = "/".join(f"{mb:.0f}" for mb in r.rss_mb or [])
            opened = (
                f"{rates[webhook]:9.1f}/s{o.median:8.1f}{o.percentile(99):8.1f}{o.errors:5d}"
                if o is not None
                else f"{'':11}{'':8}{'':8}{'':5}"
            )
            print(
                f"{name:30}{c.rate:8.1f}{c.median:8.1f}{c.percentile(99):8.1f}{c.errors:5d}{opened}{rss:>15}"
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for webhook in ours:
        o, b = ours[webhook], bare[webhook]
        line = f"{webhook}: throughput ratio hotline/bare {o.closed.rate / b.closed.rate:.3f}"
        if o.opened is not None and b.opened is not None:
            line += (
                f"; open-loop median x{o.opened.median / b.opened.median:.1f}, "
                f"p99 x{o.opened.percentile(99) / b.opened.percentile(99):.1f}"
            )
        errors = o.closed.errors + (o.opened.errors if o.opened else 0)
        if errors:
            line += f"; {errors} WRONG ANSWERS (not counted as throughput)"
        print(line)


if __name__ == "__main__":
    main()
