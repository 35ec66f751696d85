"""Database plumbing: the declarative base, column types, the engine and the scoped session.

Operations flush but never commit; the request or job boundary commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, TypeVar, cast

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Enum,
    MetaData,
    Table,
    bindparam,
    create_engine,
    event,
    inspect,
    make_url,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapper,
    QueryableAttribute,
    Session,
    make_transient_to_detached,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.types import TypeDecorator

from app.sqlite_writer import WriterConnection

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


_Row = TypeVar("_Row", bound=Base)


class _AppSession(Session):
    """A session that uses the engine of the current Flask app, so several apps (tests, tools)
    can live in one process without stealing each other's database."""

    def get_bind(self, mapper: Any = None, clause: Any = None, **kw: Any) -> Engine:
        return app_engine()


EXTENSION_KEY = "hotline.engine"
# How long a SQLite write waits for the write lock before the request answers 503 with
# Retry-After (HOTLINE_LOCK_WAIT_SECONDS): under the 15 s a provider gives a webhook; write
# units hold the lock for milliseconds.
LOCK_WAIT_SECONDS = 10.0
# Connection execution option of a session whose transactions write: on SQLite they begin
# IMMEDIATE (and queue on this process's writer lock); every other transaction is a plain
# deferred BEGIN that reads a WAL snapshot and never waits for a writer.
WRITES = "hotline_writes"
_UNIT = "hotline.unit"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def app_engine() -> Engine:
    """The current app's engine."""
    engine: Engine = current_app.extensions[EXTENSION_KEY]
    return engine


class Database:
    """The thread-scoped session; each app keeps its own engine.

    A unit of work is a web request, a worker job or a CLI command: it ends (commit or roll
    back, connection returned, writer lock released) before its thread does anything else,
    so no transaction outlives it. Requests end in teardown; the rest use `unit_of_work`.
    """

    def __init__(self) -> None:
        self.registry = scoped_session(sessionmaker(class_=_AppSession, expire_on_commit=False))
        # The registry stands in for the thread's Session (it proxies every Session method), so
        # callers and the type checker see a Session; `registry.remove()` ends the thread's.
        self.session = cast(Session, self.registry)

    def init_app(self, app: Any) -> None:
        app.extensions[EXTENSION_KEY] = make_engine(
            app.config["DATABASE_URL"], app.config["HOTLINE_LOCK_WAIT_SECONDS"]
        )
        # Registered first, so it runs before any other hook reads the database.
        app.before_request(self._request_begins)
        app.teardown_appcontext(lambda exc: self.registry.remove())

    def _request_begins(self) -> None:
        from flask import request

        if request.method not in SAFE_METHODS:
            self.declare_writes()

    def declare_writes(self) -> None:
        """From the next transaction on, this thread's session writes (BEGIN IMMEDIATE on SQLite).

        A transaction already open keeps its kind; in production none is (every unit of work
        starts with a fresh session), but a test that shares its app context may have one.
        """
        session = self.registry()
        session.execution_options = session.execution_options.union({WRITES: True})

    @contextmanager
    def unit_of_work(self, *, writes: bool) -> Iterator[Session]:
        """One unit of work on this thread's session: committed when the block ends normally
        and `writes`, rolled back otherwise, and in every case closed, so neither a transaction
        nor the writer lock can outlive it. Units do not nest. (A transaction the caller left
        open on this thread's session, as a test may, becomes part of the unit.)"""
        session = self.registry()
        if session.info.get(_UNIT):
            raise RuntimeError("a unit of work is already open on this thread")
        session.info[_UNIT] = True
        if writes:
            self.declare_writes()
        try:
            yield session
            if writes:
                session.commit()
        finally:
            self.registry.remove()

    @property
    def engine(self) -> Engine:
        return app_engine()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


class LostRace(Exception):
    """A conditional write found its row changed by a concurrent unit of work that came first."""


RACE_RETRIES = 3
T = TypeVar("T")


def again_if_lost(session: Session, work: Callable[[], T]) -> T:
    """Run `work`, the writes of a whole unit; if it lost a race, roll it all back and run it
    again. The winner has committed by then (the loser waited on its row lock), so the work now
    does what it would have done had it come just after: a text resent a dozen times at once
    is handled once and then answered like a late copy. SQLite's writers take turns, so only
    PostgreSQL gets here."""
    for _ in range(RACE_RETRIES - 1):
        try:
            return work()
        except LostRace:
            session.rollback()
    return work()


def table(model: type[Base]) -> Table:
    """The model's table, as a Table (what Core statements built once take)."""
    return cast(Table, model.__table__)


def changed(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (what a conditional statement's caller checks)."""
    return cast(CursorResult[Any], result).rowcount


def claim(session: Session, row: Base, *still: ColumnElement[bool], **values: Any) -> bool:
    """Set `values` on `row` only while the conditions `still` hold in the database; True if
    this caller won.

    One conditional UPDATE checked by its rowcount, so of concurrent claimants exactly one wins:
    on PostgreSQL the others wait on the row lock, then find the condition false; on SQLite
    writers take turns. The winner's object carries the new values; a loser's is re-read. A row
    not yet flushed is nobody else's, so it is simply set.
    """
    state = inspect(row)
    if state.identity is None:
        for name, value in values.items():
            setattr(row, name, value)
        return True
    model = type(row)
    pairs = zip(state.mapper.primary_key, state.identity, strict=True)
    keys = [column == value for column, value in pairs]
    statement = (
        update(model)
        .where(*keys, *still)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed(session.execute(statement)) != 1:
        session.refresh(row)
        return False
    for name, value in values.items():
        set_committed_value(row, name, value)
    return True


def write_alone(session: Session, row: Base) -> bool:
    """Write `row`, the only thing its unit of work changed, now: one UPDATE of its changed
    columns, then `row` leaves `session` (the flush's bookkeeping for one row costs more than
    the statement). False, and nothing done, when anything else is pending or a relationship
    of `row` changed: the flush then writes everything as usual."""
    state = inspect(row)
    changed = tuple(state.committed_state)
    columns = state.mapper.column_attrs
    if state.key is None or session.new or session.deleted or not changed:
        return False
    if any(key not in columns for key in changed) or list(session.dirty) != [row]:
        return False
    values = {f"set_{key}": state.dict[key] for key in changed}
    keys = {
        f"key_{c.key}": value
        for c, value in zip(state.mapper.primary_key, state.key[1], strict=True)
    }
    # no autoflush: that would write the row first
    session.connection().execute(_update_of(state.mapper, changed), values | keys)
    session.expunge(row)
    return True


@lru_cache(maxsize=256)
def _update_of(mapper: Mapper[Any], keys: tuple[str, ...]) -> Update:
    """`UPDATE ... SET <keys> WHERE <primary key>`, built once per shape of change: a statement
    object used again skips SQLAlchemy's cache-key walk as well as building it."""
    setting = {key: mapper.column_attrs[key].columns[0] for key in keys}
    return (
        update(table(mapper.class_))
        .where(*(c == bindparam(f"key_{c.key}", type_=c.type) for c in mapper.primary_key))
        .values({c: bindparam(f"set_{key}", type_=c.type) for key, c in setting.items()})
    )


def loaded(session: Session, model: type[_Row], values: dict[str, Any]) -> _Row:
    """The row a Core SELECT read (`values`: its columns, and any related objects to hold as
    loaded), persistent in `session`: the session's own object when it holds one for that key
    already (as a query would return), else a new one, filled the way the ORM's loader fills
    it (no attribute events) at a fraction of the cost of reading it through the ORM."""
    mapper = inspect(model)
    key = mapper.identity_key_from_primary_key(
        tuple(values[str(c.key)] for c in mapper.primary_key)
    )
    found = session.identity_map.get(key)
    if found is not None:
        return cast(_Row, found)
    return persistent(session, model(), values)


def persistent(session: Session, row: _Row, values: dict[str, Any]) -> _Row:
    """`row` holding `values` as loaded from the database (reading them costs no SELECT, and
    only later changes are written), and persistent in `session`, which must not hold another
    object for the same primary key. For a row just written or read by a Core statement.

    The values go straight into the instance's dict: making it detached then resets every
    attribute's history as if loaded, which setting each as committed did one by one before."""
    instance_dict(row).update(values)
    make_transient_to_detached(row)
    session.add(row)
    return row


def insert_skipping(
    table: Table, key: str, *returning: ColumnElement[Any] | QueryableAttribute[Any]
) -> dict[str, Insert]:
    """`INSERT ... ON CONFLICT (key) DO NOTHING RETURNING ...` for each dialect, built once:
    run the one for the session's dialect with a list of rows (one statement for them all);
    the rows it returns are those inserted."""
    return {
        module.dialect.name: module.insert(table)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(*returning)
        for module in (sqlite, postgresql)
    }


def conflict_insert(session: Session, table: Any) -> Any:
    """An INSERT into `table` that can say ON CONFLICT DO NOTHING / DO UPDATE ... WHERE, in the
    session's dialect (SQLite and PostgreSQL spell it alike)."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    return dialect.insert(table)


def insert_once(session: Session, row: Base, key: str) -> bool:
    """Insert `row` unless one with the same unique `key` exists; True when it was inserted.

    One `INSERT ... ON CONFLICT DO NOTHING` (SQLite and PostgreSQL), so concurrent duplicates
    need neither a savepoint nor an exception; the row becomes persistent in `session`. Every
    column comes back through RETURNING (defaults included), so reading the row later costs no
    SELECT.
    """
    table = row.__table__
    values = {c.key: getattr(row, c.key) for c in table.columns if getattr(row, c.key) is not None}
    statement = (
        conflict_insert(session, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(*table.columns)
    )
    stored = session.execute(statement).one_or_none()
    if stored is None:
        return False
    persistent(session, row, dict(zip([c.key for c in table.columns], stored, strict=True)))
    return True


def make_engine(
    url: str, lock_wait_seconds: float = LOCK_WAIT_SECONDS, *, limit_lock_waits: bool = True
) -> Engine:
    """The engine for `url`; a write waits `lock_wait_seconds` for a lock, then fails (503).

    On SQLite that is the write lock; on PostgreSQL any lock a statement needs (`lock_timeout`:
    a row or table another transaction holds), unless `limit_lock_waits` is off (migrations
    wait for the locks they need)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={
                "timeout": lock_wait_seconds,
                "check_same_thread": False,
                "factory": WriterConnection,
            },
        )
        _tune_sqlite(engine, lock_wait_seconds)
        return engine
    # A database that does not answer fails a request in seconds (503), not after the OS's
    # TCP timeout; pre-ping replaces connections a restart has broken. JIT compilation is off:
    # it spends hundreds of milliseconds compiling the short queries this app runs whenever
    # the planner's estimate for a large table crosses its threshold.
    options = make_url(url).query.get("options", "")
    if limit_lock_waits:
        options = f"{options} -c lock_timeout={max(1, int(lock_wait_seconds * 1000))}"
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


def _tune_sqlite(engine: Engine, lock_wait_seconds: float) -> None:
    """WAL and a busy timeout; a deferred BEGIN for reads and BEGIN IMMEDIATE for writes.

    pysqlite's own transaction handling is switched off and SQLAlchemy's begin issues the
    BEGIN: a write unit takes the write lock up front rather than failing when a read
    transaction tries to upgrade after another writer committed.
    """
    database = engine.url.database or ":memory:"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_wait_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not connection.get_execution_options().get(WRITES):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        try:
            dbapi_connection.take_writer_lock(database, lock_wait_seconds)  # type: ignore[union-attr]
        except sqlite3.OperationalError as busy:
            raise OperationalError("BEGIN IMMEDIATE", None, busy) from None
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection._release()  # type: ignore[union-attr]
            raise


db = Database()
