"""A small HTTP load generator: closed-loop throughput and open-loop (fixed-rate) latency."""

from __future__ import annotations

import statistics
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

Request = tuple[str, bytes, dict[str, str]]  # url, body, headers


@dataclass
class Result:
    count: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms)


def send(request: Request) -> tuple[float, bool]:
    url, body, headers = request
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=body, headers=headers), timeout=30
        ) as response:
            response.read()
            ok = response.status < 500
    except urllib.error.HTTPError as error:
        ok = error.code < 500
    except OSError:
        ok = False
    return (time.perf_counter() - started) * 1000, ok


def closed_loop(requests: Sequence[Request], concurrency: int) -> Result:
    """Send every request as fast as `concurrency` clients can."""
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        outcomes = list(pool.map(send, requests))
    return Result(
        len(requests),
        time.perf_counter() - started,
        [ms for ms, _ in outcomes],
        sum(not ok for _, ok in outcomes),
    )


def open_loop(requests: Sequence[Request], rate: float, workers: int = 64) -> Result:
    """Start requests at a fixed rate whatever the server does, so queueing shows in latency."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def timed(request: Request, scheduled: float) -> None:
        nonlocal errors
        ms, ok = send(request)
        waited = (time.perf_counter() - scheduled) * 1000 - ms  # time spent queued client-side
        with lock:
            latencies.append(ms + max(0.0, waited))
            errors += not ok

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        for i, request in enumerate(requests):
            at = started + i / rate
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(timed, request, at)
    return Result(len(requests), time.perf_counter() - started, latencies, errors)


def warm(requests: Sequence[Request], sender: Callable[[Request], object] = send) -> None:
    for request in requests:
        sender(request)
