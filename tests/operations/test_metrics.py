"""/metrics: values move when texts arrive and leave; /readyz says whether the line is moving."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.scheduling.runner import send_outbox_once
from app.telephony import rest
from app.telephony.sender import TwilioSender
from tests.e2e.street import FIXER, HELPER, RESIDENT
from tests.support.call_walker import LINE

TOKEN = "metrics-token-for-the-tests-0123456789"


@pytest.fixture(autouse=True)
def metrics_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_METRICS_TOKEN", TOKEN)


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.data
    assert answer.content_type.startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for sample in family.samples
    }


def value(metrics, name: str, **labels: str) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_answer_only_the_configured_token(app, client, monkeypatch):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    monkeypatch.setitem(app.config, "HOTLINE_METRICS_TOKEN", "")
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_values_move_when_a_text_arrives_and_its_offers_leave(client, walk, clock):
    sms = {"route": "/twilio/sms", "method": "POST", "status": "200"}
    before = scrape(client)
    walk.text(RESIDENT, "洗衣机坏了，不转了")
    arrived = scrape(client)
    assert value(arrived, "hotline_http_requests_total", **sms) == (
        value(before, "hotline_http_requests_total", **sms) + 1
    )
    latency = "hotline_http_request_duration_seconds_count"
    assert value(arrived, latency, route="/twilio/sms", method="POST") >= 1
    assert value(arrived, "hotline_outbox_messages", status="queued") == 2  # two offers
    assert value(arrived, "hotline_offers_outstanding") == 2
    clock.advance(minutes=3)
    assert scrape(client)[("hotline_outbox_oldest_waiting_seconds", ())] == 180

    sent_before = value(arrived, "hotline_sends_total", provider="local", result="sent")
    requests = walk.worker.send()
    assert {r.form["To"] for r in requests} == {FIXER, HELPER}
    left = scrape(client)
    assert value(left, "hotline_outbox_messages", status="queued") == 0
    assert value(left, "hotline_outbox_messages", status="sent") == 2
    assert value(left, "hotline_outbox_oldest_waiting_seconds") == 0
    assert value(left, "hotline_sends_total", provider="local", result="sent") == sent_before + 2


def test_provider_errors_are_counted_by_their_code(app, client, walk, twilio_double):
    walk.text(RESIDENT, "洗衣机坏了，不转了")
    before = scrape(client)
    twilio_double.fail_next(2, status=429)
    twilio = rest.make_client(
        twilio_double.account_sid, twilio_double.auth_token, twilio_double.base_url
    )
    try:
        outcome = send_outbox_once(app, TwilioSender(twilio, LINE))
    finally:
        rest.close_client(twilio)
    assert outcome.retried == 2 and outcome.error_codes == [20429, 20429]
    after = scrape(client)
    errors = "hotline_provider_errors_total"
    assert value(after, errors, provider="local", code="20429") == (
        value(before, errors, provider="local", code="20429") + 2
    )
    assert value(after, "hotline_outbox_messages", status="queued") == 2  # nothing lost


def test_sweeps_report_when_they_last_ran_and_readyz_follows_the_line(client, walk, clock):
    not_yet = client.get("/readyz")
    assert not_yet.status_code == 503
    assert not_yet.json["checks"]["sweeps"] == {"ok": False, "detail": "no worker holds the lease"}
    walk.worker.sweep()
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["ready"] is True, ready.json
    clock.advance(seconds=20)
    metrics = scrape(client)
    assert value(metrics, "hotline_sweep_lease_held") == 1
    ages = {
        dict(labels)["sweep"]: age
        for (name, labels), age in metrics.items()
        if name == "hotline_sweep_last_run_age_seconds"
    }
    assert ages["expire_offers"] == 20 and ages["weekly_report"] == 20
    assert value(metrics, "hotline_sweep_duration_seconds", sweep="send_surveys") >= 0

    walk.text(RESIDENT, "洗衣机坏了，不转了")  # two offers queued, and no worker sends them
    clock.advance(minutes=3)
    stuck = client.get("/readyz")
    assert stuck.status_code == 503
    assert stuck.json["checks"]["outbox"] == {
        "ok": False,
        "detail": "oldest waiting message 180 s old",
    }
    assert stuck.json["checks"]["sweeps"]["ok"] is False  # the lease lapsed as well
