"""Neighbours reporting one problem at once: new reports of a category from one building are
written one at a time on PostgreSQL, so each sees the others and repeats are merged.

The lock's key names the place and the category; `place_key` and `place_key_sql` spell it alike,
so a text that holds its sender's building before reading (messaging.sender_context) and a
channel that holds the ticket's place when it writes (tickets.intake) wait for each other.
"""

from __future__ import annotations

import re
from typing import TypeVar

from sqlalchemy import ColumnElement, String, cast, func
from sqlalchemy.orm import QueryableAttribute

T = TypeVar("T")
_SQL = ColumnElement[T] | QueryableAttribute[T]

BUILDING_LOCKS = 582  # the advisory lock class (first key) of buildings getting a new report

# A problem inside one's own home ("家里水龙头一直滴水") is not the neighbour's burst kitchen pipe,
# whatever its category; one in what the building shares ("我家楼道的灯") may well be.
_HOME = re.compile(
    r"家里|我家|屋里|家中|房间|厨房|卫生间|厕所|洗手间|卧室|客厅|阳台"
    r"|(?<![a-z])(?:my|our) (?:home|flat|apartment|house|kitchen|bathroom|toilet|bedroom)(?![a-z])",
    re.IGNORECASE,
)
_SHARED = re.compile(
    r"楼道|电梯|走廊|楼梯|公共|单元门|大门|路灯|垃圾|化粪池|外墙|楼顶|屋顶|水箱|停水|停电|整栋|全楼"
    r"|(?<![a-z])(?:hallway|stairs?|stairwell|lift|elevator|corridor|whole building)(?![a-z])",
    re.IGNORECASE,
)


def in_a_home(text: str) -> bool:
    """The words place the problem inside the reporter's own home: a neighbour's report of the
    same category is another problem, not this one's original."""
    return bool(_HOME.search(text)) and not _SHARED.search(text)


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
