"""The sample alert rules name metrics the line really exports (a renamed metric would leave an
alert that can never fire)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

RULES = Path(__file__).resolve().parents[2] / "ops" / "alerts.yml"
METRIC = re.compile(r"\bhotline_[a-z_]+")


def test_every_alert_names_an_exported_metric(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_METRICS_TOKEN", "t" * 32)
    client.get("/healthz")  # so the request counters have a sample
    page = client.get("/metrics", headers={"Authorization": "Bearer " + "t" * 32})
    families = list(text_string_to_metric_families(page.get_data(as_text=True)))
    exported = {f.name for f in families} | {s.name for f in families for s in f.samples}
    rules = [
        rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]
    ]
    assert {rule["alert"] for rule in rules} >= {
        "HotlineOutboxStuck",
        "HotlineNoSweep",
        "HotlineWebhook5xx",
    }
    for rule in rules:
        named = set(METRIC.findall(rule["expr"]))
        assert named and named <= exported, (rule["alert"], named - exported)
