"""Short public ticket codes that a resident can read out on the phone or key in.

Digits only (keypads, and no confusion between O and 0), random so that codes do not reveal
volumes, and one digit longer whenever the space gets crowded.
"""

from __future__ import annotations

import secrets

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from app.tickets.models import Ticket

TRIES_PER_LENGTH = 4
CODE_LOCKS = 580  # the advisory lock class (first key) of ticket codes being written


def new_code(session: Session, length: int = 6) -> str:
    """A code no other ticket has, nor will get from a transaction running at this moment.

    A concurrent transaction's new ticket is invisible until it commits, so on PostgreSQL the
    code is also reserved with a transaction-scoped advisory lock on its number (in the same
    statement as the check): two tickets opened together never pick the same code and fail on
    the unique index. SQLite's writers take turns, so the check alone suffices there.
    """
    reserve = session.get_bind().dialect.name == "postgresql"
    while True:
        for _ in range(TRIES_PER_LENGTH):
            code = str(secrets.randbelow(9 * 10 ** (length - 1)) + 10 ** (length - 1))
            free = ~exists().where(Ticket.code == code)
            if reserve:
                free = and_(func.pg_try_advisory_xact_lock(CODE_LOCKS, int(code)), free)
            if session.scalar(select(free)):
                return code
        length += 1
