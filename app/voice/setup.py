"""What the voice line needs from start-up: validated flows and parsed office hours.

Both are read once, when the app is built, so a broken flow file or unreadable office hours stop
start-up with the reason instead of surfacing as a caller hearing an error mid-call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.sql.dml import Insert

from app.categories import catalog
from app.config import PROJECT_ROOT
from app.ivr.flows import Flow, FlowError, load_and_validate
from app.voice.roster import KeptRoster, office_hours
from app.volunteers.availability import Availability

EXTENSION_KEY = "hotline.voice"
#: The flow that answers calls to the line; the line cannot work without it.
INTAKE_FLOW = "intake"
DEFAULT_FLOWS_DIR = PROJECT_ROOT / "ivr_flows"


@dataclass(frozen=True)
class VoiceLine:
    """The loaded flows by name and the office hours, shared by every request."""

    flows: dict[str, Flow]
    office: Availability
    timezone: str
    region: str
    #: The category names and words by language: what callers say, heard better when hinted.
    hints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: How a new call is answered, by (flow, staff on duty, office open, database dialect):
    #: built on first use (``app.voice.calls``); None where the first reply depends on the caller.
    answers: dict[tuple[str, bool, bool, str], Insert | None] = field(default_factory=dict)
    roster: KeptRoster = field(default_factory=KeptRoster)


def flows_dir(configured: str) -> Path:
    return Path(configured) if configured else DEFAULT_FLOWS_DIR


def init_app(app: Flask) -> None:
    """Load and validate every flow; raise ``FlowError`` naming the directory and each problem."""
    directory = flows_dir(app.config["HOTLINE_IVR_FLOWS_DIR"])
    try:
        flows = load_and_validate(directory)
    except FlowError as exc:
        raise FlowError(
            [f"IVR flows in {directory} are broken (run `hotline ivr check`):", *exc.problems]
        ) from None
    if INTAKE_FLOW not in flows:
        raise FlowError([f"IVR flows in {directory}: {INTAKE_FLOW}.yaml is missing"])
    app.extensions[EXTENSION_KEY] = VoiceLine(
        flows=flows,
        office=office_hours(app.config["HOTLINE_OFFICE_HOURS"]),
        timezone=app.config["HOTLINE_TIMEZONE"],
        region=app.config["HOTLINE_REGION"],
        hints=category_hints(),
    )


def category_hints() -> dict[str, tuple[str, ...]]:
    """The category names and keywords by language, taken in turns from each category so that a
    capped list still hints every category; one-character Chinese words hint nothing."""
    per_category: dict[str, list[list[str]]] = {}
    for entry in catalog.load().categories:
        words = {"zh": [entry["name_zh"]], "en": [entry["name_en"]]}
        for key in ("keywords", "broad"):
            for language, listed in (entry.get(key) or {}).items():
                words.setdefault(language, []).extend(w for w in listed or [] if len(w) > 1)
        for language, listed in words.items():
            per_category.setdefault(language, []).append(listed)
    return {
        language: tuple(dict.fromkeys(w for turn in zip_longest(*lists) for w in turn if w))
        for language, lists in per_category.items()
    }


def voice_line() -> VoiceLine:
    line: VoiceLine = current_app.extensions[EXTENSION_KEY]
    return line
