"""A new number's first texts arriving together (different MessageSids, at the same moment)
make one resident: the insert skips on conflict and the later text reads the earlier's row."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.db import db
from app.residents.models import Resident
from tests.support.texting import text_line

pytestmark = pytest.mark.faults

COPIES = 8


def test_simultaneous_first_texts_from_one_number_make_one_resident(app, ctx):
    barrier = threading.Barrier(COPIES)

    def text(n: int) -> int:
        client = app.test_client()
        barrier.wait()
        return text_line(client, "13800138000", f"楼道灯不亮了 {n}").status_code

    with ThreadPoolExecutor(COPIES) as pool:
        statuses = list(pool.map(text, range(COPIES)))

    assert statuses == [200] * COPIES
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Resident)) == 1
