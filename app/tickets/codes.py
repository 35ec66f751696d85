"""Short public ticket codes that a resident can read out on the phone or key in.

Digits only (keypads, and no confusion between O and 0), random so that codes do not reveal
volumes, and one digit longer whenever the space gets crowded.
"""

from __future__ import annotations

import secrets

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.tickets.models import Ticket

TRIES_PER_LENGTH = 4


def new_code(session: Session, length: int = 6) -> str:
    while True:
        for _ in range(TRIES_PER_LENGTH):
            code = str(secrets.randbelow(9 * 10 ** (length - 1)) + 10 ** (length - 1))
            if not session.scalar(select(exists().where(Ticket.code == code))):
                return code
        length += 1
