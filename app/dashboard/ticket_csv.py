"""Tickets as a CSV file staff open in Excel: headers and values in the staff's language."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask import Response

from app.i18n import status_name
from app.i18n import text as translate
from app.tickets.models import Priority, Ticket

COLUMNS = (
    "code",
    "received",
    "due",
    "status",
    "urgent",
    "category",
    "community",
    "address",
    "phone",
    "assignee",
    "unit",
    "channel",
    "resolved",
    "closed",
    "description",
)


def tickets_csv(tickets: Iterable[Ticket], language: str, timezone: str) -> str:
    zone = ZoneInfo(timezone)

    def when(moment: object) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""  # type: ignore[attr-defined]

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(translate(language, f"csv_ticket_{column}") for column in COLUMNS)
    for t in tickets:
        writer.writerow(
            [
                t.code,
                when(t.received_at),
                when(t.due_at),
                status_name(t.status.value, language),
                translate(language, "yes") if t.priority is Priority.urgent else "",
                t.category.display_name(language),
                t.community.display_name(language) if t.community else "",
                t.address,
                t.resident.phone if t.resident else "",
                t.assignee.name if t.assignee else "",
                t.unit.display_name(language) if t.unit else "",
                translate(language, f"channel_{t.channel.value}"),
                when(t.resolved_at),
                when(t.closed_at),
                _safe(t.description),
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell Excel will not run as a formula (text starting =, +, - or @)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def download(text: str, filename: str) -> Response:
    return Response(
        "\ufeff" + text,  # the BOM makes Excel read the Chinese as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
