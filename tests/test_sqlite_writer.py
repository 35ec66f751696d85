"""The machine-wide SQLite writer lock: another process's writer is waited for, up to the
limit, and the lock is handed over the moment it is let go; a writer that gave up leaves
nothing held behind it.

"Another process" is a second open file description of the lock file: `flock` locks of two
descriptions exclude each other as two processes' do."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sqlite_writer import WriterConnection


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "writers.db")


@pytest.fixture
def other_process(database: str) -> Iterator[int]:
    WriterConnection.lock_file_of(database)  # the file exists
    fd = os.open(f"{database}-writer", os.O_RDWR)
    yield fd
    os.close(fd)


def connect(database: str) -> WriterConnection:
    connection = sqlite3.connect(database, factory=WriterConnection, check_same_thread=False)
    assert isinstance(connection, WriterConnection)
    return connection


def is_free(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True


def test_a_writer_holds_the_machines_lock_until_it_commits(database, other_process):
    writer = connect(database)
    writer.take_writer_lock(database, 1)
    assert writer.holds_writer_lock and not is_free(other_process)
    writer.commit()
    assert not writer.holds_writer_lock and is_free(other_process)


def test_another_processs_writer_is_waited_for_up_to_the_limit(database, other_process):
    fcntl.flock(other_process, fcntl.LOCK_EX)
    writer = connect(database)
    with pytest.raises(sqlite3.OperationalError, match="another process was writing") as busy:
        writer.take_writer_lock(database, 0.05)
    assert busy.value.sqlite_errorcode == sqlite3.SQLITE_BUSY
    assert not writer.holds_writer_lock
    # Nor is this process's lock kept: the next writer here waits for the file, not for it.
    fcntl.flock(other_process, fcntl.LOCK_UN)
    writer.take_writer_lock(database, 5)
    writer.rollback()
    assert is_free(other_process)


def test_the_lock_is_handed_over_when_the_other_lets_go(database, other_process):
    fcntl.flock(other_process, fcntl.LOCK_EX)
    writer = connect(database)
    waiting = threading.Thread(target=writer.take_writer_lock, args=(database, 30))
    waiting.start()
    fcntl.flock(other_process, fcntl.LOCK_UN)
    waiting.join(timeout=30)
    assert writer.holds_writer_lock and not is_free(other_process)
    writer.close()
    assert is_free(other_process)


def test_a_lock_that_came_after_its_writer_gave_up_is_let_go(database, other_process):
    fcntl.flock(other_process, fcntl.LOCK_EX)
    gave_up, later = connect(database), connect(database)
    with pytest.raises(sqlite3.OperationalError):
        gave_up.take_writer_lock(database, 0.01)
    fcntl.flock(other_process, fcntl.LOCK_UN)
    later.take_writer_lock(database, 30)  # served after the abandoned request was let go
    assert not is_free(other_process)
    later.commit()
    assert is_free(other_process)


def test_a_database_in_memory_has_no_lock_file():
    assert WriterConnection.lock_file_of(":memory:") is None
    writer = sqlite3.connect(":memory:", factory=WriterConnection)
    writer.take_writer_lock(":memory:", 1)
    writer.commit()
