"""Stored supervision reports: the figures as they were when the report went out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.db import Base


class SupervisionReport(Base):
    """One report per kind and period; the unique key makes the weekly sweep idempotent."""

    __tablename__ = "supervision_reports"
    __table_args__ = (UniqueConstraint("kind", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "weekly"
    period_start: Mapped[datetime]  # local Monday 00:00, as UTC
    period_end: Mapped[datetime]  # exclusive
    label: Mapped[str] = mapped_column(String(40))  # e.g. "2026-11-16 – 2026-11-22"
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
