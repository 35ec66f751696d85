"""Checks shared by the scenarios: what reached the provider against what the outbox says."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import Flask

from chaos.harness import Report, expect, rows, scalar
from tests.support.twilio_double import TwilioDouble

Key = tuple[str, str]  # (number, body): every queued text in a scenario has its own
OFFERS_WITHIN_SECONDS = 2.0  # p95, text received to its first offer accepted by the provider


def sent_keys(flask_app: Flask) -> set[Key]:
    found = rows(
        flask_app,
        "SELECT peer, body FROM messages WHERE direction = 'out' AND kind = 'sms'"
        " AND status IN ('sent', 'delivered')",
    )
    return {(peer, body) for peer, body in found}


def unsent(flask_app: Flask) -> int:
    return scalar(
        flask_app,
        "SELECT count(*) FROM messages WHERE direction = 'out' AND status IN ('queued', 'sending')",
    )


def accepted(double: TwilioDouble, since: int = 0) -> list[Key]:
    """Texts the provider accepted (201), in order, from request number `since` on."""
    return [
        (r.form["To"], r.form["Body"])
        for r in double.requests[since:]
        if r.resource == "Messages" and r.status == 201
    ]


def each_sent_once(
    flask_app: Flask,
    double: TwilioDouble,
    report: Report,
    *,
    in_flight_allowed: int = 0,
    snapshots: list[tuple[set[Key], int]] = (),  # type: ignore[assignment]
) -> None:
    """Nothing left unsent; every text marked sent reached the provider; a text reached it twice
    only if a process died (or lost its database) with that very text in flight, at most one per
    such event; and nothing already marked sent at a snapshot was sent again after it."""
    expect(unsent(flask_app) == 0, f"{unsent(flask_app)} texts still queued or sending")
    marked = sent_keys(flask_app)
    counts = Counter(accepted(double))
    missing = [key for key in marked if counts[key] == 0]
    expect(not missing, f"{len(missing)} texts marked sent never reached the provider")
    strangers = [key for key in counts if key not in marked]
    expect(not strangers, f"{len(strangers)} texts reached the provider but are not marked sent")
    twice = sum(n - 1 for n in counts.values() if n > 1)
    expect(
        twice <= in_flight_allowed,
        f"{twice} extra sends, more than the {in_flight_allowed} texts in flight at faults",
    )
    resent = sum(
        1 for before, since in snapshots for key in accepted(double, since) if key in before
    )
    expect(resent == 0, f"{resent} texts already marked sent were sent again")
    report.add(
        f"{len(marked)} texts sent, {sum(counts.values())} provider calls, {twice} sent twice "
        f"(in flight at a fault; allowed {in_flight_allowed}), 0 re-sent after marked sent"
    )


def offer_delays(flask_app: Flask) -> list[float]:
    """Seconds from each ticket's text arriving to its first offer reaching the provider."""
    found = rows(
        flask_app,
        "SELECT t.received_at, min(m.sent_at) FROM tickets t JOIN offers o ON o.ticket_id = t.id"
        " JOIN messages m ON m.id = o.message_id WHERE m.sent_at IS NOT NULL GROUP BY t.id,"
        " t.received_at",
    )
    return sorted((_when(sent) - _when(received)).total_seconds() for received, sent in found)


def _when(value: object) -> datetime:
    """A timestamp as SQLite (text) or PostgreSQL (datetime) gives it back, naive UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=None)


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else 0.0
