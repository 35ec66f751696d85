"""Staff users and the failed-login counters that throttle password guessing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.communities.models import Community, Department
from app.db import Base, str_enum


class StaffRole(StrEnum):
    community = "community"  # a community office: sees and acts on its own community only
    office = "office"  # the street's 580 office: sees and acts on everything
    liaison = "liaison"  # a department's liaison: tickets escalated to that department
    admin = "admin"  # everything, plus users, volunteers, categories and settings


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, with its parameters
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, 12))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # SHA-256 of the Open311 key: the key is random (256 bits), so a slow hash adds nothing
    # and a fast one lets the key be looked up by its hash.
    api_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Bumped at logout and password change: every session cookie carrying an older value dies.
    session_version: Mapped[int] = mapped_column(default=1)
    language: Mapped[str] = mapped_column(String(5), default="zh")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Community | None] = relationship()
    department: Mapped[Department | None] = relationship()


class LoginThrottle(Base):
    """One login counter of app.auth.throttle: "pair:<name>|<ip>", "addr:<ip>", "user:<name>"
    (attempts counted, since when, and no attempt before `locked_until`), or "known:<name>|<ip>"
    (the account last logged in from there at `window_started_at`)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
