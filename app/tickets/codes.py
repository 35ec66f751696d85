"""Short public ticket codes that a resident can read out on the phone or key in.

Digits only (keypads, and no confusion between O and 0), random so that codes do not reveal
volumes, and one digit longer whenever the space gets crowded. Uniqueness is the database's:
the ticket's INSERT skips on a taken code and the caller tries the next candidate, so a code
costs no lookup of its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

TRIES_PER_LENGTH = 4


def candidates(length: int = 6) -> Iterator[str]:
    """Random codes to try in turn: TRIES_PER_LENGTH of each length, then one digit more."""
    while True:
        for _ in range(TRIES_PER_LENGTH):
            yield str(secrets.randbelow(9 * 10 ** (length - 1)) + 10 ** (length - 1))
        length += 1
