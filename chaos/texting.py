"""Texting the line over real HTTP the way Twilio does: signed, and retried on 5xx or no answer."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode

from app.telephony.simulate import sign
from bench import servers
from bench.webhooks import BODIES


@dataclass(frozen=True)
class Attempt:
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    ms: float
    replies: int  # <Message> verbs in the TwiML answer


@dataclass
class Delivery:
    """One text and every attempt Twilio made to deliver it."""

    sid: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def final(self) -> Attempt:
        return self.attempts[-1]


def form(n: int, series: int = 0, body: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": f"SM{series:08x}{n:024x}",
        "AccountSid": "AC" + "0" * 32,
        "From": f"+86135{series % 100:02d}{n:06d}",
        "To": "580",
        "Body": body or BODIES[n % len(BODIES)],
    }


def post(base: str, fields: dict[str, str], timeout: float = 20) -> Attempt:
    url = base + "/twilio/sms"
    request = urllib.request.Request(
        url,
        data=urlencode(fields).encode(),
        headers={
            "X-Twilio-Signature": sign(servers.AUTH_TOKEN, url, fields),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, b""
    except OSError:
        status, body = 0, b""
    ms = (time.perf_counter() - started) * 1000
    replies = len(ET.fromstring(body).findall("Message")) if status == 200 else 0
    return Attempt(status, ms, replies)


def deliver(base: str, fields: dict[str, str], retries: int = 0, wait: float = 2.0) -> Delivery:
    """POST until a 2xx/4xx, at most `retries` more times after a 5xx or no answer, as Twilio's
    retry (or its fallback URL pointing at a healthy web process) would."""
    delivery = Delivery(fields["MessageSid"])
    for attempt in range(retries + 1):
        result = post(base, fields)
        delivery.attempts.append(result)
        if 0 < result.status < 500 or attempt == retries:
            break
        time.sleep(wait)
    return delivery


def open_loop(
    send: Callable[[int], Delivery], count: int, rate: float, threads: int = 128
) -> tuple[list[Delivery], float]:
    """Start `send(n)` for n < count at `rate` per second whatever the server does; returns the
    deliveries and the achieved start rate."""
    results: list[Delivery] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        delivery = send(n)
        with lock:
            results.append(delivery)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for n in range(count):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n)
        issued = time.perf_counter() - started
    return results, count / max(issued, 1e-9)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0
