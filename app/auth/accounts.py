"""Creating staff users, checking passwords (argon2id) and Open311 keys, throttling guessers.

A login fails the same way for an unknown name, a wrong password and a locked account, so the
answer tells a guesser nothing. Five failures within 15 minutes, for one account or from one
address, lock that account or address for 15 minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import LoginThrottle, StaffRole, StaffUser
from app.clock import utcnow
from app.communities.models import Community, Department
from app.tickets.lifecycle import Actor
from app.tickets.models import ActorKind

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
# One limit for setting and for checking: a longer password is refused when set and fails when
# checked without being hashed (argon2 over a megabyte of form field costs the server, not them).
MAX_PASSWORD_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the username is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A user that cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    locked: bool = False


def staff_actor(user: StaffUser) -> Actor:
    return Actor(ActorKind.staff, user.id, user.username)


def hash_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(
            f"password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        )
    return _hasher.hash(password)


def create_user(
    session: Session,
    username: str,
    role: StaffRole,
    password: str,
    *,
    community_code: str | None = None,
    department_code: str | None = None,
) -> StaffUser:
    """A new staff user; community staff need a community and liaisons a department."""
    username = username.strip()
    if not username or len(username) > 60:
        raise AccountError("username must have 1 to 60 characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise AccountError(f"user {username!r} already exists")
    user = StaffUser(username=username, role=role, password_hash=hash_password(password))
    if community_code:
        community = session.scalar(select(Community).where(Community.code == community_code))
        if community is None:
            raise AccountError(f"no community {community_code!r}")
        user.community = community
    if department_code:
        department = session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise AccountError(f"no department {department_code!r}")
        user.department = department
    if role is StaffRole.community and user.community is None:
        raise AccountError("community staff need --community")
    if role is StaffRole.liaison and user.department is None:
        raise AccountError("department liaisons need --department")
    session.add(user)
    session.flush()
    return user


def set_password(user: StaffUser, password: str) -> None:
    """A new password also ends every session the user has open."""
    user.password_hash = hash_password(password)
    user.session_version += 1


def authenticate(session: Session, username: str, password: str, address: str) -> LoginResult:
    """The user if the password is right and neither the account nor the address is locked."""
    keys = [f"user:{username.strip().lower()}"[:120], f"addr:{address}"[:120]]
    throttles = [_throttle(session, key) for key in keys]
    now = utcnow()
    if any(t.locked_until is not None and t.locked_until > now for t in throttles):
        return LoginResult(None, locked=True)
    user = session.scalar(
        select(StaffUser).where(StaffUser.username == username.strip(), StaffUser.active)
    )
    if user is not None and _verify(user.password_hash, password):
        # Only the account's counter is cleared: a guesser who also owns a valid account must
        # not be able to reset the counter of the address they guess from.
        if throttles[0] in session:
            session.delete(throttles[0])
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        session.flush()
        return LoginResult(user)
    if user is None:
        _verify(_DUMMY_HASH, password)
    for throttle in throttles:
        _count_failure(session, throttle)
    session.flush()
    return LoginResult(None, locked=any(t.locked_until for t in throttles))


def _verify(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:  # could never have been set
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _throttle(session: Session, key: str) -> LoginThrottle:
    found = session.get(LoginThrottle, key)
    return found or LoginThrottle(key=key, failures=0, window_started_at=utcnow())


def _count_failure(session: Session, throttle: LoginThrottle) -> None:
    now = utcnow()
    if throttle.window_started_at + WINDOW < now or (
        throttle.locked_until is not None and throttle.locked_until <= now
    ):
        throttle.failures = 0
        throttle.window_started_at = now
        throttle.locked_until = None
    throttle.failures += 1
    if throttle.failures >= MAX_FAILURES:
        throttle.locked_until = now + LOCK
    session.add(throttle)


def issue_api_key(user: StaffUser) -> str:
    """A new Open311 key for `user` (shown once; only its hash is kept). Replaces the old one."""
    key = secrets.token_urlsafe(32)
    user.api_key_hash = _key_hash(key)
    return key


def user_by_api_key(session: Session, key: str) -> StaffUser | None:
    if not key:
        return None
    return session.scalar(
        select(StaffUser).where(StaffUser.api_key_hash == _key_hash(key), StaffUser.active)
    )


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
