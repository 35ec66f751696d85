"""Creating staff users, checking passwords (argon2id) and Open311 keys, throttling guessers.

A login fails the same way for an unknown name and a wrong password, so the answer tells a
guesser nothing; app.auth.throttle decides which attempts are checked at all.
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

from app.auth import throttle
from app.auth.models import StaffRole, StaffUser
from app.auth.scope import manages
from app.communities.models import Community, Department, Street
from app.i18n import WordedError
from app.tickets.lifecycle import Actor
from app.tickets.models import ActorKind

MIN_PASSWORD_LENGTH = 10
# One limit for setting and for checking: a longer password is refused when set and fails when
# checked without being hashed (argon2 over a megabyte of form field costs the server, not them).
MAX_PASSWORD_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the username is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(WordedError):
    """An account that cannot be created or changed as asked (an ``account_`` message)."""


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    wait: timedelta = timedelta(0)  # refused unchecked: the throttle says try again after this

    @property
    def locked(self) -> bool:
        return self.wait > timedelta(0)

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up, for the page."""
        return max(1, -(-int(self.wait.total_seconds()) // 60))


def staff_actor(user: StaffUser) -> Actor:
    return Actor(ActorKind.staff, user.id, user.username)


def hash_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(
            "account_password_length", min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH
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
    street_code: str | None = None,
    by: StaffUser | None = None,
) -> StaffUser:
    """A new staff user; community staff need a community and liaisons a department. An
    office or admin user given a street is limited to that street. An admin limited to a
    street (`by`) creates accounts inside that street only."""
    username = username.strip()
    if not username or len(username) > 60:
        raise AccountError("account_bad_username")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise AccountError("account_exists", username=username)
    user = StaffUser(username=username, role=role, password_hash=hash_password(password))
    if community_code:
        community = session.scalar(select(Community).where(Community.code == community_code))
        if community is None:
            raise AccountError("account_no_community", code=community_code)
        user.community = community
    if department_code:
        department = session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise AccountError("account_no_department", code=department_code)
        user.department = department
    if street_code:
        if role not in (StaffRole.office, StaffRole.admin):
            raise AccountError("account_street_role")
        street = session.scalar(select(Street).where(Street.code == street_code))
        if street is None:
            raise AccountError("account_no_street", code=street_code)
        user.street = street
    if role is StaffRole.community and user.community is None:
        raise AccountError("account_needs_community")
    if role is StaffRole.liaison and user.department is None:
        raise AccountError("account_needs_department")
    session.add(user)
    session.flush()
    require_reach(session, by, user)
    return user


def require_reach(session: Session, by: StaffUser | None, user: StaffUser) -> None:
    """Refuse a change that leaves `user` outside the street of the admin `by`."""
    if not manages(session, by, user):
        raise AccountError("account_outside_street")


def set_password(user: StaffUser, password: str) -> None:
    """A new password also ends every session the user has open."""
    user.password_hash = hash_password(password)
    user.session_version += 1


def authenticate(session: Session, username: str, password: str, address: str) -> LoginResult:
    """The user if the throttle lets the attempt through and the password is right.

    Ends its own transactions: the attempt is counted and committed before the password is
    checked, and the check (tens of milliseconds of argon2) runs with no transaction open, so
    it holds neither a row lock nor SQLite's write lock.
    """
    attempt = throttle.admit(session, username, address)
    session.commit()
    if attempt.refused:
        return LoginResult(None, wait=attempt.wait)
    user = session.scalar(
        select(StaffUser).where(StaffUser.username == username.strip(), StaffUser.active)
    )
    session.commit()
    if user is None or not _verify(user.password_hash, password):
        if user is None:
            _verify(_DUMMY_HASH, password)
        return LoginResult(None)
    throttle.succeeded(session, attempt)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.flush()
    return LoginResult(user)


def _verify(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:  # could never have been set
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
