"""Closed-loop throughput with wrk, every response checked by a Lua script.

A load generator in Python spends about as much CPU per request as a bare Flask app does to
answer it, so against a fast server it measures itself: the bare app's rate would be the
generator's. wrk (C, event loop) is what the rate of a server on this machine is measured with.

Each thread sends its share of a list of signed requests in order (thread t the t-th, t+T-th,
... of T threads), wrapping round when the list is used up: the caller makes the list long
enough for the hotline never to wrap, and `wrapped` says when it did. A response counts as
right only when its status is 200 and its body holds every `must` Lua pattern and none of the
`must_not` plain strings.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.load import Request

PERCENTILES = (50, 90, 99)

_SCRIPT = r"""
local requests = dofile(%(requests)s)
local must = %(must)s
local must_not = %(must_not)s
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  step = %(threads)d
  next_index = id
  sent = 0
  wrong = 0
end

function request()
  local r = requests[(next_index %% #requests) + 1]
  next_index = next_index + step
  sent = sent + 1
  return wrk.format("POST", r[1], {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[3],
  }, r[2])
end

function response(status, headers, body)
  local right = status == 200
  for _, pattern in ipairs(must) do
    right = right and string.find(body, pattern) ~= nil
  end
  for _, plain in ipairs(must_not) do
    right = right and string.find(body, plain, 1, true) == nil
  end
  if not right then wrong = wrong + 1 end
end

function done(summary, latency, requests)
  local wrong_total, sent_most = 0, 0
  for _, thread in ipairs(threads) do
    wrong_total = wrong_total + thread:get("wrong")
    sent_most = math.max(sent_most, thread:get("sent"))
  end
  io.write(string.format("WRK %%d %%d %%d %%d %%d",
    summary.requests, summary.duration, wrong_total, summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout, sent_most))
  for _, p in ipairs({%(percentiles)s}) do
    io.write(string.format(" %%d", latency:percentile(p)))
  end
  io.write("\n")
end
"""


@dataclass(frozen=True)
class Accept:
    """What a right answer holds: patterns that must match (Lua's, of which only `%d` is not
    also a Python regular expression) and plain strings that must not. Also a `load.Check`,
    so the Python load generator counts right answers exactly as wrk does."""

    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()

    def __call__(self, status: int, body: bytes) -> bool:
        text = body.decode("utf-8", "replace")
        return (
            status == 200
            and all(re.search(p.replace("%d", r"\d"), text) for p in self.must)
            and not any(s in text for s in self.must_not)
        )


@dataclass(frozen=True)
class Summary:
    count: int
    seconds: float
    errors: int  # wrong answers and failed connections: not throughput
    wrapped: bool  # some request was sent twice: the list was too short for the rate
    percentiles_ms: dict[int, float]

    @property
    def rate(self) -> float:
        """Right answers per second."""
        return (self.count - self.errors) / self.seconds

    @property
    def median(self) -> float:
        return self.percentiles_ms[50]

    def percentile(self, p: int) -> float:
        return self.percentiles_ms[p]


def available() -> bool:
    return shutil.which("wrk") is not None


def closed_loop(
    requests: Sequence[Request],
    accept: Accept,
    seconds: int,
    connections: int = 8,
    threads: int = 2,
) -> Summary:
    """`connections` clients on `threads` threads, each sending as soon as its last answer
    came, for `seconds`."""
    base = _base(requests[0][0])
    with tempfile.TemporaryDirectory() as folder:
        listed = Path(folder, "requests.lua")
        rows = (
            [urlsplit(url)._replace(scheme="", netloc="").geturl(), body.decode(), signature]
            for url, body, headers in requests
            for signature in [headers["X-Twilio-Signature"]]
        )
        listed.write_text("return {\n" + ",\n".join(map(_lua, rows)) + "\n}\n", "utf-8")
        script = Path(folder, "check.lua")
        script.write_text(
            _SCRIPT
            % {
                "requests": _lua(str(listed)),
                "must": _lua(list(accept.must)),
                "must_not": _lua(list(accept.must_not)),
                "threads": threads,
                "percentiles": ", ".join(map(str, PERCENTILES)),
            },
            "utf-8",
        )
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(script)]
        ran = subprocess.run([*command, base], capture_output=True, text=True, timeout=seconds + 60)
        if ran.returncode != 0:
            raise RuntimeError(f"wrk failed ({ran.returncode}): {ran.stderr or ran.stdout}")
        output = ran.stdout
    match = re.search(r"^WRK ((?:\d+ ?)+)$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    count, micros, wrong, failed, sent_most, *latencies = map(int, match.group(1).split())
    return Summary(
        count=count,
        seconds=micros / 1e6,
        errors=wrong + failed,
        wrapped=sent_most * threads > len(requests),
        percentiles_ms={p: us / 1000 for p, us in zip(PERCENTILES, latencies, strict=True)},
    )


def _base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _lua(value: object) -> str:
    """A Lua literal of a string or a list of strings (the strings here are URL-encoded forms,
    paths, signatures and patterns: JSON's escapes for them are Lua's)."""
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    return json.dumps(value, ensure_ascii=False)
