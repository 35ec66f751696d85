"""A small HTTP load generator: open-loop (fixed-rate) latency and set-up requests.

Closed-loop throughput is wrk's (bench/wrk.py): Python threads cost about as much CPU per
request as a bare Flask app does to answer it."""

from __future__ import annotations

import statistics
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

Request = tuple[str, bytes, dict[str, str]]  # url, body, headers
# Is this the answer the request should get? (status, body) -> bool. A response that is not
# counts as an error, whatever its status: a 200 with the wrong TwiML is not throughput.
Check = Callable[[int, bytes], bool]


def any_success(status: int, body: bytes) -> bool:
    return status == 200


@dataclass
class Result:
    count: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        """Right answers per second: a wrong one is not throughput."""
        return (self.count - self.errors) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms)


def send(request: Request, check: Check = any_success) -> tuple[float, bool]:
    """Latency in ms (the check is not timed) and whether the response passed `check`."""
    url, body, headers = request
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=body, headers=headers), timeout=30
        ) as response:
            answer = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        answer, status = b"", error.code
    except OSError:
        answer, status = b"", 0
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, check(status, answer)


def open_loop(
    requests: Sequence[Request], rate: float, check: Check = any_success, workers: int = 64
) -> Result:
    """Start requests at a fixed rate whatever the server does, so queueing shows in latency."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def timed(request: Request, scheduled: float) -> None:
        nonlocal errors
        ms, ok = send(request, check)
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
