"""One text followed through the logs of the real web and worker processes by its MessageSid,
and no line in either that gives away a phone number, a link token or the resident's words."""

from __future__ import annotations

import json
import secrets
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.support.live import ANSWER_SECONDS, AUTH_TOKEN, SENT_SECONDS, signed
from tests.support.processes import Hotline, free_port, hotline_env

RESIDENT = "13800138002"  # a demo resident: her text is dispatched at once
WORDS = "电视没有图像了，我家在3栋2单元501，电话13912345678"


def json_lines(log: Path) -> list[dict[str, object]]:
    lines = []
    for raw in log.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def offers_sent(lines: list[dict[str, object]], sid: str) -> list[dict[str, object]]:
    sent = ("sms sent", "sms delivered")
    return [line for line in lines if line.get("trace") == sid and line["msg"] in sent]


def wait_for_offers(log: Path, sid: str, worker: Hotline) -> None:
    """The worker logs the offers the text caused as it sends them (polled, bounded)."""
    deadline = time.monotonic() + SENT_SECONDS
    while not offers_sent(json_lines(log), sid):
        assert time.monotonic() < deadline, f"no offer sent:\n{worker.output()}"
        time.sleep(0.2)


def wait_until_ready(base: str, worker: Hotline) -> None:
    deadline = time.monotonic() + SENT_SECONDS
    while requests.get(base + "/readyz", timeout=ANSWER_SECONDS).status_code != 200:
        assert time.monotonic() < deadline, f"never ready:\n{worker.output()}"
        time.sleep(0.2)


@pytest.mark.slow
def test_one_text_is_traced_from_the_webhook_to_its_offers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trace.db'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hotline_env(url, port, AUTH_TOKEN, HOTLINE_LOG_FORMAT="json")
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    web = Hotline(["serve", "--port", str(port)], env, web_log).start()
    worker = None
    try:
        web.wait_healthy(base)
        worker = Hotline(["worker"], env, worker_log).start()
        wait_until_ready(base, worker)  # its first sweeps done: the text's job is what acts
        sid = "SM" + secrets.token_hex(16)
        form = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": RESIDENT, "To": "580"}
        answer = signed(base, "/twilio/sms", form | {"Body": WORDS})
        assert answer.status_code == 200, answer.text
        request_id = answer.headers["X-Request-Id"]
        wait_for_offers(worker_log, sid, worker)
    finally:
        web.stop(signal.SIGTERM)
        if worker is not None:
            worker.stop(signal.SIGTERM)

    web_lines, worker_lines = json_lines(web_log), json_lines(worker_log)
    assert web_lines and worker_lines, web.output()
    [arrival] = [line for line in web_lines if line.get("trace") == sid]
    assert arrival["msg"] == "POST /twilio/sms answered 200"
    assert arrival["request_id"] == request_id and arrival["status"] == 200
    caused = [line for line in worker_lines if line.get("trace") == sid]
    assert [line["msg"] for line in caused if str(line.get("job", "")).startswith("ticket_")] == [
        "job done"
    ]
    offers = offers_sent(worker_lines, sid)
    assert offers and all(line["sid"] and line["message"] for line in offers)

    everything = web_log.read_text() + worker_log.read_text()
    for secret in (RESIDENT, "13912345678", "电视没有图像", "3栋2单元501", AUTH_TOKEN):
        assert secret not in everything
