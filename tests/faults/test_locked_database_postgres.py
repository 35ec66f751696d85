"""On PostgreSQL a lock that cannot be had also answers 503 with Retry-After: a text whose insert
waits for a table another transaction has locked (a stuck `psql` session, a long migration) gives
up after HOTLINE_LOCK_WAIT_SECONDS (`lock_timeout`), while reads and /healthz go on; once the
lock is free, the retry is taken."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import another_app
from tests.faults.test_locked_database import WAIT_SECONDS, assert_not_now_then_taken
from tests.support.texting import text_line

pytestmark = pytest.mark.faults


@pytest.fixture
def impatient(app: Flask, database_url: str) -> Iterator[Flask]:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL's lock_timeout; SQLite's write lock has its own test")
    with another_app(database_url, HOTLINE_LOCK_WAIT_SECONDS=WAIT_SECONDS) as other:
        yield other


def test_a_table_locked_by_another_session_makes_a_text_wait_then_503(impatient, database_url):
    # Were the wait unlimited, the server ends the holder after 20 s and the text is taken late
    # (a failure, not a hang).
    holder = create_engine(
        database_url, connect_args={"options": "-c idle_in_transaction_session_timeout=20000"}
    )
    try:
        with holder.connect() as conn:
            # Blocks every insert into messages; plain reads go on.
            conn.execute(text("LOCK TABLE messages IN SHARE ROW EXCLUSIVE MODE"))
            assert_not_now_then_taken(impatient)
            conn.rollback()
    finally:
        holder.dispose()
    assert text_line(impatient.test_client(), "13800138000", "楼道灯坏了").status_code == 200
