"""A new call's first reply, worked out once per language and written with the call at once.

What a caller hears first depends on the flow, whether staff are on duty, and the language the
caller is known to speak; for the intake flow nothing else (the greeting asks nothing about the
caller). So the first reply in every language of the flow is run through the engine and
rendered once per process, and answering a call is a single ``INSERT ... ON CONFLICT DO NOTHING
RETURNING``: the caller's resident (and the language they speak) found by a subquery on their
number, the reply in that language picked by a CASE, the call row written whole with it.

A flow whose first reply does depend on the caller (it asks whether they have an open ticket,
fills in their code, creates a ticket or rings staff before the first wait) has no openings:
``app.voice.calls`` then answers it step by step, as it does every later post.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    String,
    bindparam,
    case,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeEngine

from app.db import table
from app.ivr import engine
from app.ivr.engine import Action, Context, Step
from app.ivr.flows import Flow
from app.residents.models import Resident
from app.voice.models import Call, CallDirection, CallPurpose
from app.voice.roster import fingerprint

#: Renders the actions of the reply numbered ``step`` as the provider's markup.
Render = Callable[[Sequence[Action], int], str]
#: The facts a first reply may depend on and still be worked out once: the roster's.
SHARED_FACTS = frozenset({"in_office_hours"})

V = TypeVar("V")


class Facts(Mapping[str, V]):
    """Conditions or prompt values computed the first time the flow asks for them (a roster
    read only where a branch consults it); ``asked`` names every one asked for, known or not."""

    def __init__(
        self, sources: Mapping[str, Callable[[], V | None]], known: Mapping[str, V] | None = None
    ) -> None:
        self._sources = sources
        self._known: dict[str, V | None] = dict(known or {})
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> V:
        self.asked.add(name)
        if name not in self._known:
            source = self._sources.get(name)
            self._known[name] = source() if source is not None else None
        found = self._known[name]
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return (name for name in {**self._sources, **self._known} if name in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def answer_statement(
    flow: Flow,
    on_duty: bool,
    hints: Mapping[str, tuple[str, ...]],
    render: Render,
    dialect: str,
    *,
    office_open: bool,
) -> Insert | None:
    """The statement that answers a new call to ``flow`` (staff on duty or not) with its first
    reply, or None when that reply depends on the caller.

    Binds: sid, caller, caller_kind, line, phone (the caller's E.164, or None), started_at, and
    when the office is open, roster: the fingerprint of the roster ``on_duty`` was worked out
    from. It returns the reply it wrote; no row when the call exists already, or when the
    roster is no longer the one given (both are then answered the long way)."""
    by_language: dict[str, dict[str, Any]] = {}
    for language in flow.languages:
        conditions = Facts[bool]({"in_office_hours": lambda: on_duty})
        values = Facts[str | Mapping[str, str]]({})
        context = Context(conditions=conditions, values=values, language=language, hints=hints)
        step = engine.start(flow, context)
        if conditions.asked - SHARED_FACTS or values.asked or _needs_the_app(step):
            return None
        by_language[language] = _call_columns(step, render(step.actions, 1))
    if not by_language:
        return None
    return _statement(flow, by_language, dialect, office_open)


def _needs_the_app(step: Step) -> bool:
    return step.create_ticket is not None or any(isinstance(a, engine.Dial) for a in step.actions)


def _call_columns(step: Step, reply: str) -> dict[str, Any]:
    """What the call row holds after its first reply (as ``calls._settle`` stores a step)."""
    lines = said(step.actions)
    state = step.state
    return {
        "language": state.language,
        "node": state.node,
        "state": state.to_dict(),
        "path": list(state.path),
        "transcript": [{"line": lines}] if lines else [],
        "emergency": step.emergency,
        "last_reply": reply,
    }


def said(actions: Sequence[Action]) -> list[str]:
    """Every sentence the caller hears from these actions, menus' prompts included."""
    spoken: list[str] = []
    for action in actions:
        says = action.prompt if isinstance(action, engine.Gather) else (action,)
        spoken += [say.text for say in says if isinstance(say, engine.Say) and say.text]
    return spoken


def _statement(
    flow: Flow, by_language: dict[str, dict[str, Any]], dialect: str, office_open: bool
) -> Insert:
    calls = table(Call)
    resident = select(Resident.id, Resident.language).where(Resident.phone == bindparam("phone"))
    speaks = resident.with_only_columns(Resident.language).scalar_subquery()
    default = by_language[flow.languages[0]]  # the engine's language for anyone else

    def constant(column: str, value: Any) -> ColumnElement[Any]:
        return _constant(value, calls.c[column].type, dialect)

    def chosen(column: str) -> ColumnElement[Any]:
        others = {lang: row[column] for lang, row in by_language.items()}
        if all(value == default[column] for value in others.values()):
            return constant(column, default[column])
        whens = {lang: constant(column, value) for lang, value in others.items()}
        return case(whens, value=speaks, else_=constant(column, default[column]))

    fixed = {
        "direction": CallDirection.inbound,
        "purpose": CallPurpose.intake,
        "flow": flow.name,
        "step": 1,
    }
    columns: dict[str, ColumnElement[Any]] = {
        "sid": bindparam("sid", type_=calls.c.sid.type),
        "caller": bindparam("caller", type_=calls.c.caller.type),
        "caller_kind": bindparam("caller_kind", type_=calls.c.caller_kind.type),
        "line": bindparam("line", type_=calls.c.line.type),
        "resident_id": resident.with_only_columns(Resident.id).scalar_subquery(),
        "started_at": bindparam("started_at", type_=calls.c.started_at.type),
        **{column: constant(column, value) for column, value in fixed.items()},
        **{column: chosen(column) for column in default},
    }
    # Staff on duty or not is settled by a roster this process read earlier: the row is
    # written only if the roster is still that one (an INSERT ... SELECT ... WHERE).
    unchanged = fingerprint() == bindparam("roster", type_=String) if office_open else true()
    written = select(*columns.values()).where(unchanged)
    module = sqlite if dialect == "sqlite" else postgresql
    statement: Insert = (
        module.insert(calls)
        .from_select(list(columns), written)
        .on_conflict_do_nothing(index_elements=["sid"])
        .returning(calls.c.last_reply)
    )
    return statement


def _constant(value: Any, kind: TypeEngine[Any], dialect: str) -> ColumnElement[Any]:
    """``value`` as the answering statement holds it. On SQLite it is written into the SQL,
    once: bound, it would be converted (JSON encoded, the enum looked up) at every execution,
    and it is the same for every call. On PostgreSQL it stays bound: psycopg parses a statement
    longer than 4 KiB (this one, with the replies written in) anew at every execution, and
    that costs more than the conversions."""
    if dialect != "sqlite":
        return literal(value, kind)
    if isinstance(value, int):  # bool included: SQLite has 0 and 1
        return literal_column(str(int(value)), kind)
    words = json.dumps(value) if isinstance(value, dict | list) else str(value)
    return literal_column("'" + words.replace("'", "''") + "'", kind)
