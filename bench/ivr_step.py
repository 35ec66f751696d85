"""TwiML step latency of the voice line at 20 concurrent calls, against a bare Flask baseline.

Both apps are served by werkzeug's threaded server on 127.0.0.1 in this process and driven by
20 client threads over real HTTP. Each simulated call walks the intake flow as Twilio would:
incoming call, silence at the greeting, key 3 at the category menu, two recordings, then the
ticket is created and its code read back. The baseline answers every POST with a fixed Gather.
SQLite in a temporary directory; bounded by call count and wall time.

    .venv/bin/python bench/ivr_step.py [--calls 200] [--concurrency 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response
from werkzeug.serving import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.cli import prepare_database
from app.db import db
from app.telephony.simulate import sign
from app.voice.roster import set_shift

AUTH_TOKEN = "bench-auth-token"
BASELINE_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/twilio/voice/step?n=1" '
    'input="dtmf" numDigits="1"><Say voice="Polly.Zhiyu">请按1。</Say></Gather>'
    '<Redirect method="POST">/twilio/voice/step?n=1</Redirect></Response>'
)


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        """Thousands of access-log lines would measure the terminal, not the app."""


def serve(app: Flask) -> tuple[str, Callable[[], None]]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


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


def walk_call(base: str, n: int, timings: dict[str, list[float]], lock: threading.Lock) -> None:
    """One intake call, step by step, following the actions in each reply."""
    form = {"CallSid": f"CA{n:032x}", "From": f"+86139{n:08d}", "To": "+862363580580"}
    steps = [
        ("incoming call", lambda _: f"{base}/twilio/voice", {}),
        ("greeting: silence", lambda r: _after(r, "Gather"), {}),
        ("menu: key 3", lambda r: _action(r, "Gather"), {"Digits": "3"}),
        ("record problem", lambda r: _action(r, "Record"), _recording(n, 1)),
        ("record address + ticket", lambda r: _action(r, "Record"), _recording(n, 2)),
    ]
    reply = b""
    for name, url_of, extra in steps:
        elapsed, reply = post(base, url_of(reply), {**form, **extra})
        with lock:
            timings[name].append(elapsed)


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
        elapsed, _ = post(base, f"{base}/twilio/voice/step?n=1", form)
        with lock:
            timings["bare Flask"].append(elapsed)


def run(walk, base: str, calls: int, concurrency: int, seconds: float) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def one(n: int) -> None:
        if time.monotonic() < deadline:
            walk(base, n, timings, lock)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(1, calls + 1)))
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

    with tempfile.TemporaryDirectory() as tmp:
        baseline = Flask("baseline")
        baseline.post("/twilio/voice/step")(lambda: Response(BASELINE_TWIML, mimetype="text/xml"))
        base_url, stop_base = serve(baseline)

        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                "SECRET_KEY": "bench",
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "PUBLIC_BASE_URL": "http://placeholder",
            }
        )
        hotline_url, stop_hotline = serve(app)
        app.config["PUBLIC_BASE_URL"] = hotline_url  # signatures and action URLs use it
        with app.app_context():
            prepare_database()
            set_shift(db.session, "值班", "13900139000", "always", "CN")
            db.session.commit()

        try:
            base_t = run(walk_baseline, base_url, args.calls, args.concurrency, args.seconds)
            line_t = run(walk_call, hotline_url, args.calls, args.concurrency, args.seconds)
        finally:
            stop_base()
            stop_hotline()

    reference = base_t["bare Flask"]
    ref_median, ref_p99 = statistics.median(reference), percentile(reference, 99)
    every = [t for values in line_t.values() for t in values]
    rows = [("bare Flask (baseline)", reference), *line_t.items(), ("all IVR steps", every)]
    print(f"TwiML step latency, {args.concurrency} concurrent calls, SQLite, werkzeug threaded")
    print(f"{'step':<26}{'n':>6}{'median ms':>11}{'p99 ms':>9}{'x median':>10}{'x p99':>8}")
    for name, values in rows:
        median, p99 = statistics.median(values), percentile(values, 99)
        print(
            f"{name:<26}{len(values):>6}{median:>11.2f}{p99:>9.2f}"
            f"{median / ref_median:>10.1f}{p99 / ref_p99:>8.1f}"
        )


if __name__ == "__main__":
    main()
