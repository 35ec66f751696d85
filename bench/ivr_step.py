"""TwiML step latency of the voice line at 20 concurrent calls, against a bare Flask baseline.

Both apps run under gunicorn (2 workers, 4 threads each) in their own processes; this process
only drives them, with 20 client threads over real HTTP. Each simulated call walks the intake
flow as Twilio would: incoming call, silence at the greeting, key 3 at the category menu, then
whatever the flow asks next until it hangs up (the ticket is created and its code read back),
every step's TwiML checked. The baseline answers every POST with a fixed Gather. SQLite in a
temporary directory unless DATABASE_URL is set (PostgreSQL: its tables are emptied); bounded
by call count and wall time.

    .venv/bin/python bench/ivr_step.py [--calls 200] [--concurrency 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.db import db
from app.telephony.simulate import sign
from app.voice.roster import set_shift
from bench import servers

AUTH_TOKEN = servers.AUTH_TOKEN


def post(base: str, url: str, form: dict[str, str]) -> tuple[float, bytes]:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    full = base + target
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(AUTH_TOKEN, full, form),
    }
    host = urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=15)
    started = time.perf_counter()
    conn.request("POST", target, body=urlencode(form), headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{url}: HTTP {response.status} {body[:200]!r}")
    return elapsed, body


SPOKEN = {"SpeechResult": "洗衣机坏了", "Confidence": "0.9"}


def walk_call(base: str, n: int, timings: dict[str, list[float]], lock: threading.Lock) -> None:
    """One intake call, step by step, following the actions in each reply to the hang-up."""
    form = {"CallSid": f"CA{n:032x}", "From": f"+86139{n:08d}", "To": "+862363580580"}
    steps = [
        ("incoming call", lambda _: f"{base}/twilio/voice", {}),
        ("greeting: silence", lambda r: _after(r, "Gather"), {}),
        ("menu: key 3", lambda r: _action(r, "Gather"), {"Digits": "3"}),
    ]
    reply = b""
    for name, url_of, extra in steps:
        elapsed, reply = post(base, url_of(reply), {**form, **extra})
        with lock:
            timings[name].append(elapsed)
    for k in range(1, 9):  # whatever the flow asks after the menu, until it hangs up
        verbs = {v.tag for v in ET.fromstring(reply)}
        if "Record" in verbs:
            url, extra = _action(reply, "Record"), _recording(n, k)
        elif "Gather" in verbs:
            url, extra = (
                _action(reply, "Gather"),
                {"SpeechResult": "洗衣机坏了", "Confidence": "0.9"},
            )
        elif "Redirect" in verbs:
            url, extra = _redirect(reply), {}
        else:
            if "Hangup" not in verbs:
                raise RuntimeError(f"call {n}: neither a step nor a hang-up: {reply[:300]!r}")
            return
        elapsed, reply = post(base, url, {**form, **extra})
        with lock:
            timings["after the menu"].append(elapsed)
    raise RuntimeError(f"call {n} did not end within the steps walked")


def _redirect(reply: bytes) -> str:
    return next(v for v in ET.fromstring(reply) if v.tag == "Redirect").text or ""


def _recording(n: int, k: int) -> dict[str, str]:
    sid = f"RE{n:028x}{k:04x}"
    return {
        "RecordingUrl": f"https://api.twilio.com/Recordings/{sid}",
        "RecordingSid": sid,
        "RecordingDuration": "12",
    }


def _action(reply: bytes, tag: str) -> str:
    return ET.fromstring(reply).find(tag).attrib["action"]


def _after(reply: bytes, tag: str) -> str:
    verbs = list(ET.fromstring(reply))
    index = next(i for i, v in enumerate(verbs) if v.tag == tag)
    return verbs[index + 1].text or ""


def walk_baseline(base: str, n: int, timings: dict[str, list[float]], lock: threading.Lock) -> None:
    form = {"CallSid": f"CA{n:032x}", "From": f"+86139{n:08d}", "Digits": "3"}
    for _ in range(5):
        elapsed, reply = post(base, f"{base}/twilio/voice/step?n=1", form)
        if b"<Record" not in reply:
            raise RuntimeError(f"baseline: unexpected TwiML {reply[:200]!r}")
        with lock:
            timings["bare Flask"].append(elapsed)


def run(
    walk, base: str, calls: int, concurrency: int, seconds: float, first: int = 1
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def one(n: int) -> None:
        if time.monotonic() < deadline:
            walk(base, n, timings, lock)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(first, first + calls)))
    return timings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    servers.reset_database(database_url)
    setup = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    with setup.app_context():
        set_shift(db.session, "值班", "13900139000", "always", "CN")
        db.session.commit()
    load_before = os.getloadavg()[0]
    base_port, line_port = servers.free_port(), servers.free_port()
    bare_env = servers.app_env(database_url, base_port)
    line_env = servers.app_env(database_url, line_port)
    with (
        servers.gunicorn("bench.bare_app:app", bare_env, base_port, 2, 4) as base_url,
        servers.gunicorn("app:create_app()", line_env, line_port, 2, 4) as hotline_url,
    ):
        for url, walk in ((base_url, walk_baseline), (hotline_url, walk_call)):
            run(walk, url, 8, 8, 30, first=10**7)  # warm: imports, caches, connections
        base_t = run(walk_baseline, base_url, args.calls, args.concurrency, args.seconds)
        line_t = run(walk_call, hotline_url, args.calls, args.concurrency, args.seconds)

    reference = base_t["bare Flask"]
    ref_median, ref_p99 = statistics.median(reference), percentile(reference, 99)
    every = [t for values in line_t.values() for t in values]
    rows = [("bare Flask (baseline)", reference), *line_t.items(), ("all IVR steps", every)]
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    print(
        f"TwiML step latency, {args.concurrency} concurrent calls, {database}, gunicorn -w 2 "
        f"--threads 4 (separate processes), load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print(f"{'step':<26}{'n':>6}{'median ms':>11}{'p99 ms':>9}{'x median':>10}{'x p99':>8}")
    for name, values in rows:
        median, p99 = statistics.median(values), percentile(values, 99)
        print(
            f"{name:<26}{len(values):>6}{median:>11.2f}{p99:>9.2f}"
            f"{median / ref_median:>10.1f}{p99 / ref_p99:>8.1f}"
        )


if __name__ == "__main__":
    main()
