"""Database plumbing: the declarative base, column types, the engine and the scoped session.

Operations flush but never commit; the request or job boundary commits.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from flask import current_app
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Session,
    make_transient_to_detached,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC without a zone (SQLite has none) and always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise TypeError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def str_enum(enum_type: type[StrEnum], length: int, *, strict: bool = False) -> Enum:
    """A StrEnum stored by value in a plain string column (no database enum type to migrate).

    `strict`: a plain string that names no member is refused when written, not when read back.
    """
    return Enum(
        enum_type,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=strict,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class _AppSession(Session):
    """A session that uses the engine of the current Flask app, so several apps (tests, tools)
    can live in one process without stealing each other's database."""

    def get_bind(self, mapper: Any = None, clause: Any = None, **kw: Any) -> Engine:
        return current_app.extensions[EXTENSION_KEY]


EXTENSION_KEY = "hotline.engine"


class Database:
    """The thread-scoped session; each app keeps its own engine."""

    def __init__(self) -> None:
        self.session = scoped_session(sessionmaker(class_=_AppSession, expire_on_commit=False))

    def init_app(self, app: Any) -> None:
        app.extensions[EXTENSION_KEY] = make_engine(app.config["DATABASE_URL"])
        app.teardown_appcontext(lambda exc: self.session.remove())

    @property
    def engine(self) -> Engine:
        return current_app.extensions[EXTENSION_KEY]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def insert_once(session: Session, row: Base, key: str) -> bool:
    """Insert `row` unless one with the same unique `key` exists; True when it was inserted.

    One `INSERT ... ON CONFLICT DO NOTHING` (SQLite and PostgreSQL), so concurrent duplicates
    need neither a savepoint nor an exception; the row becomes persistent in `session`. Every
    column comes back through RETURNING (defaults included), so reading the row later costs no
    SELECT.
    """
    table = row.__table__
    values = {c.key: getattr(row, c.key) for c in table.columns if getattr(row, c.key) is not None}
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(*table.columns)
    )
    stored = session.execute(statement).one_or_none()
    if stored is None:
        return False
    for column, value in zip(table.columns, stored, strict=True):
        setattr(row, column.key, value)
    make_transient_to_detached(row)
    session.add(row)
    return True


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False, "factory": _WriterConnection},
        )
        _tune_sqlite(engine)
        return engine
    # A database that does not answer fails a request in seconds (503), not after the OS's
    # TCP timeout; pre-ping replaces connections a restart has broken. JIT compilation is off:
    # it spends hundreds of milliseconds compiling the short queries this app runs whenever
    # the planner's estimate for a large table crosses its threshold.
    options = make_url(url).query.get("options", "")
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=CONNECT_TIMEOUT_SECONDS,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"{options} -c jit=off".strip(),
        },
    )


CONNECT_TIMEOUT_SECONDS = 5


_WRITE_WAIT_SECONDS = 30


class _WriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions also hold a lock shared in this process.

    SQLite makes a writer that finds the database locked sleep in growing steps (up to 100 ms)
    before it looks again; threads of one process queue on this lock instead and start the
    moment the previous transaction ends. Other processes still wait through busy_timeout.
    """

    _locks: ClassVar[dict[str, threading.RLock]] = {}
    _locks_guard = threading.Lock()
    _held: threading.RLock | None = None

    def begin_immediate(self, database: str) -> None:
        with self._locks_guard:
            lock = self._locks.setdefault(database, threading.RLock())
        if not lock.acquire(timeout=_WRITE_WAIT_SECONDS):
            raise sqlite3.OperationalError("database is locked (waited for another writer)")
        self._held = lock
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.release()


def _tune_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and IMMEDIATE transactions: concurrent writers wait, not fail.

    pysqlite's own transaction handling is switched off and SQLAlchemy's begin issues
    BEGIN IMMEDIATE, taking the write lock up front rather than failing on upgrade.
    """
    database = engine.url.database or ":memory:"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.connection.dbapi_connection.begin_immediate(database)


db = Database()
