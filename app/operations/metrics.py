"""Prometheus metrics: what this process counted, and what the database says on each scrape.

Counters and histograms (requests, sends, provider errors) live in the process that did the work:
the web app's `/metrics` shows its own, a `hotline worker --metrics-port` its own. Under gunicorn,
set PROMETHEUS_MULTIPROC_DIR and the web workers' counters are summed. The gauges (outbox depth,
offers outstanding, late tickets, sweeps, survey response) are read from the database at scrape
time, so every process answers the same and none has to be the one that saw the change.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.messaging.models import Direction, Message, MessageStatus
from app.operations import readiness
from app.scheduling.models import Job, SweepRun
from app.surveys.models import Survey, SurveyStatus
from app.tickets.models import ACTIVE_STATUSES, Ticket
from app.volunteers.models import Offer, OfferStatus

disable_created_metrics()  # the *_created series say when a process started: noise here
PROCESS = CollectorRegistry()

REQUESTS = Counter(
    "hotline_http_requests",
    "Requests answered, by route and status.",
    ["route", "method", "status"],
    registry=PROCESS,
)
LATENCY = Histogram(
    "hotline_http_request_duration_seconds",
    "Time to answer a request, by route.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=PROCESS,
)
SENDS = Counter(
    "hotline_sends",
    "Outbound texts and calls handed to the provider, by outcome.",
    ["provider", "result"],
    registry=PROCESS,
)
PROVIDER_ERRORS = Counter(
    "hotline_provider_errors",
    "Errors the provider answered, by its error code (0: no answer at all).",
    ["provider", "code"],
    registry=PROCESS,
)

RESPONSE_WINDOW = timedelta(days=30)
UNANSWERED = (SurveyStatus.no_answer, SurveyStatus.invalid)


class DatabaseGauges(Collector):
    """Read on each scrape, in one short read-only transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Iterator[Metric]:
        session, now = self.session, utcnow()
        depth = GaugeMetricFamily(
            "hotline_outbox_messages", "Outbound messages by status.", labels=["status"]
        )
        counts = dict(
            session.execute(
                select(Message.status, func.count())
                .where(Message.direction == Direction.outbound)
                .group_by(Message.status)
            ).all()
        )
        for status in MessageStatus:
            if status not in (MessageStatus.received,):
                depth.add_metric([status.value], counts.get(status, 0))
        yield depth

        yield GaugeMetricFamily(
            "hotline_outbox_oldest_waiting_seconds",
            "Age of the oldest outbound message not yet handed to the provider (0: none).",
            value=readiness.oldest_waiting(session, now).total_seconds(),
        )
        yield GaugeMetricFamily(
            "hotline_jobs_waiting",
            "Jobs (a new ticket's dispatch, ...) not yet done.",
            value=session.scalar(select(func.count()).select_from(Job)) or 0,
        )
        yield GaugeMetricFamily(
            "hotline_offers_outstanding",
            "Offers texted to volunteers and not yet answered.",
            value=session.scalar(
                select(func.count()).select_from(Offer).where(Offer.status == OfferStatus.open)
            )
            or 0,
        )
        yield GaugeMetricFamily(
            "hotline_tickets_past_deadline",
            "Open tickets whose deadline has passed.",
            value=session.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.status.in_(sorted(ACTIVE_STATUSES)), Ticket.due_at < now)
            )
            or 0,
        )
        yield self._survey_response(now)
        yield from self._sweeps(now)

    def _survey_response(self, now: datetime) -> Metric:
        finished = dict(
            self.session.execute(
                select(Survey.status, func.count())
                .where(
                    Survey.status.in_((SurveyStatus.answered, *UNANSWERED)),
                    Survey.created_at >= now - RESPONSE_WINDOW,
                )
                .group_by(Survey.status)
            ).all()
        )
        total = sum(finished.values())
        return GaugeMetricFamily(
            "hotline_survey_response_ratio",
            "Finished surveys of the last 30 days that were answered (1 when none finished).",
            value=finished.get(SurveyStatus.answered, 0) / total if total else 1.0,
        )

    def _sweeps(self, now: datetime) -> Iterator[Metric]:
        age = GaugeMetricFamily(
            "hotline_sweep_last_run_age_seconds",
            "Seconds since each sweep last finished.",
            labels=["sweep"],
        )
        took = GaugeMetricFamily(
            "hotline_sweep_duration_seconds", "How long each sweep last took.", labels=["sweep"]
        )
        for run in self.session.scalars(select(SweepRun)):
            age.add_metric([run.name], (now - run.finished_at).total_seconds())
            took.add_metric([run.name], run.seconds)
        yield age
        yield took
        yield GaugeMetricFamily(
            "hotline_sweep_lease_held",
            "1 when a worker holds the sweep lease.",
            value=1 if readiness.sweep_holder(self.session, now) else 0,
        )


def exposition(session: Session) -> bytes:
    """The text a Prometheus scrape gets: this process's (or all web workers') counters and the
    database's gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Registry(PROCESS))
    registry.register(DatabaseGauges(session))
    return generate_latest(registry)


class _Registry(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        return self.registry.collect()
