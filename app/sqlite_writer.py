"""SQLite's one writer at a time, handed over promptly between threads and between processes.

SQLite makes a writer that finds the database locked sleep in growing steps (1, 2, 5, 10 ...
up to 100 ms) before it looks again. Under load one unlucky writer waits seconds
(bench/sqlite_writers.py: 11 s worst case with 20 writer threads, 1.2 s with the thread lock),
and between processes the one that holds the lock takes it again and again while the other
sleeps: two gunicorn workers answered texts hardly faster than one. So a write transaction
first takes a lock of this process (threads queue on it and start the moment the previous
write ends), then a lock on a file beside the database shared by every process on the
machine (`flock`: whoever waits gets it the moment it is let go, and the kernel lets go of it
if the process dies), and only then `BEGIN IMMEDIATE`. Writers that come another way (the sqlite3
shell) still meet SQLite's own lock and busy timeout.
"""

from __future__ import annotations

import fcntl
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import ClassVar


class WriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions hold this process's and the machine's
    writer locks. Commit, rollback, close and garbage collection all release them; the thread
    lock is a plain Lock, so any thread may release it."""

    _locks: ClassVar[dict[str, threading.Lock]] = {}
    _locks_guard = threading.Lock()
    _files: ClassVar[dict[tuple[int, str], int]] = {}  # (process id, database): lock file
    _held: threading.Lock | None = None
    _held_file: int | None = None

    def take_writer_lock(self, database: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with self._locks_guard:
            lock = self._locks.setdefault(database, threading.Lock())
        if not lock.acquire(timeout=seconds):
            raise _busy(f"another writer in this process held it {seconds} s")
        try:
            self._held_file = _lock_file(database, deadline)
        except BaseException:
            lock.release()
            raise
        self._held = lock

    @property
    def holds_writer_lock(self) -> bool:
        return self._held is not None

    def commit(self) -> None:
        self._ending(super().commit)

    def rollback(self) -> None:
        self._ending(super().rollback)

    def close(self) -> None:
        self._ending(super().close)

    def _ending(self, end: Callable[[], None]) -> None:
        try:
            end()
        finally:
            self._release()

    def __del__(self) -> None:
        self._release()

    def _release(self) -> None:
        held, self._held = self._held, None
        held_file, self._held_file = self._held_file, None
        if held_file is not None:
            fcntl.flock(held_file, fcntl.LOCK_UN)
        if held is not None:
            held.release()

    @classmethod
    def lock_file_of(cls, database: str) -> int | None:
        """This process's open lock file for `database` (opened again after a fork: a file
        description shared with the parent would share its lock); None in memory."""
        if database in ("", ":memory:") or database.startswith("file:"):
            return None
        key = (os.getpid(), database)
        if key not in cls._files:
            flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
            cls._files[key] = os.open(f"{database}-writer", flags, 0o600)
        return cls._files[key]


def _lock_file(database: str, deadline: float) -> int | None:
    """Hold the machine's writer lock of `database`, waiting until `deadline`."""
    fd = WriterConnection.lock_file_of(database)
    if fd is None:
        return None
    waiter = _Waiter.of(fd)
    if waiter.idle:  # else its flock on this very file is not done yet: ask it
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
    if waiter.wait_for_lock(deadline - time.monotonic()):
        return fd
    raise _busy("another process was writing")


class _Waiter:
    """The one thread of this process that waits in `flock` for a lock file, so the lock comes
    the moment the other process lets go, and a writer that gives up first still gets an
    answer in time. Requests come one at a time (the caller holds the thread lock); a lock
    that comes for a writer that gave up is let go again. While a request is being served
    nobody else touches the file's lock: `flock` on a file this process holds succeeds at
    once, so a writer could think it held a lock the thread was about to let go."""

    _waiters: ClassVar[dict[tuple[int, int], _Waiter]] = {}
    _guard = threading.Lock()

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._asked: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._pending = 0
        self._pending_guard = threading.Lock()
        self._thread: threading.Thread | None = None

    @classmethod
    def of(cls, fd: int) -> _Waiter:
        with cls._guard:
            key = (os.getpid(), fd)  # threads do not survive a fork
            if key not in cls._waiters:
                cls._waiters[key] = cls(fd)
            return cls._waiters[key]

    @property
    def idle(self) -> bool:
        with self._pending_guard:
            return self._pending == 0

    def wait_for_lock(self, seconds: float) -> bool:
        if self._thread is None:  # started on the first wait: most databases never see one
            self._thread = threading.Thread(target=self._serve, daemon=True)
            self._thread.start()
        request = _Request()
        with self._pending_guard:
            self._pending += 1
        self._asked.put(request)
        if request.granted.wait(max(0.0, seconds)):
            return True
        with request.guard:
            request.abandoned = not request.granted.is_set()
            return not request.abandoned

    def _serve(self) -> None:
        while True:
            request = self._asked.get()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            with request.guard:
                if request.abandoned:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                else:
                    request.granted.set()
            with self._pending_guard:
                self._pending -= 1


class _Request:
    def __init__(self) -> None:
        self.granted = threading.Event()
        self.guard = threading.Lock()
        self.abandoned = False


def _busy(why: str) -> sqlite3.OperationalError:
    busy = sqlite3.OperationalError(f"database is locked ({why})")
    busy.sqlite_errorcode = sqlite3.SQLITE_BUSY
    return busy
