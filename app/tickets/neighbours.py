"""Neighbours reporting one problem at once: new reports of a category from one building are
written one at a time on PostgreSQL, so each sees the others and repeats are merged.

The lock's key names the place and the category; `place_key` and `place_key_sql` spell it alike,
so a text that holds its sender's building before reading (messaging.sender_context) and a
channel that holds the ticket's place when it writes (tickets.intake) wait for each other.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, String, cast, func
from sqlalchemy.orm import QueryableAttribute

T = TypeVar("T")
_SQL = ColumnElement[T] | QueryableAttribute[T]

BUILDING_LOCKS = 582  # the advisory lock class (first key) of buildings getting a new report


def place_key(community_id: int | None, building: str, category: str) -> str | None:
    """The lock's key for a new report of `category` at this place; None without a building."""
    if not (building and community_id):
        return None
    return f"{community_id}/{building}/{category}"


def place_key_sql(
    community_id: _SQL[int | None], building: _SQL[str], category: _SQL[str]
) -> ColumnElement[str]:
    """`place_key` in SQL (the caller keeps to rows with a building and a community)."""
    return cast(community_id, String) + "/" + building + "/" + category


def hold(key: ColumnElement[str]) -> ColumnElement[None]:
    """PostgreSQL: wait for the place `key` until this transaction ends."""
    return func.pg_advisory_xact_lock(BUILDING_LOCKS, func.hashtext(key))
