"""Every word a template asks for exists in Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.auth.models import StaffRole
from app.categories.danger import HazardKind
from app.dashboard.admin_views import VISIBLE_SETTINGS
from app.dashboard.import_views import IMPORTS
from app.dashboard.ticket_views import ACTIONS
from app.dashboard.timeline import KINDS
from app.messaging.models import MessageKind, MessageStatus
from app.reports.figures import RATINGS, Grain
from app.surveys.models import FollowUpStatus, SurveyChannel, SurveyStatus
from app.surveys.operations import ANSWERED, INVALID, NO_ANSWER
from app.tickets import editing
from app.tickets.lifecycle import Move
from app.tickets.models import ActorKind, Channel, EventKind
from app.tickets.supervision import BREACHED
from app.voice.models import CallDirection, CallOutcome
from app.volunteers.hand_picking import PASSED_OVER
from app.volunteers.matching import PROXIMITY_NAMES, WEIGHTS
from app.volunteers.models import OfferStatus
from app.wording import WORDS

APP = Path(__file__).resolve().parents[2] / "app"
TEMPLATES = [
    *(APP / "dashboard/templates").rglob("*.html"),
    *(APP / "auth/templates").rglob("*.html"),
]
# Every timeline event kind the app writes besides the moves (the timeline names each one).
EVENT_KINDS = [
    *("received", "info_added", "note", "resident_texted", "entered", "call_recorded"),
    *("offers_sent", "offer_declined", "offer_expired", "offer_failed", "on_the_way"),
    *("reminder_sent", BREACHED, "merged", "split", "followup_opened", "followup_completed"),
    "followup_overdue",
    *("survey_sent", "survey_reminder_sent", "survey_comment", "survey_call_retry"),
    *(ANSWERED, NO_ANSWER, INVALID, "survey_not_sent"),
    *("redispatch", "called_back"),
]
# Keys built from a prefix and a value: every value the prefix can take.
COMPOSED = {
    "role_": [r.value for r in StaffRole],
    "channel_": [c.value for c in Channel],
    "delivery_": [s.value for s in MessageStatus],
    "actor_": [a.value for a in ActorKind],
    "rating_": list(RATINGS),
    "sms_": ["in", "out"],
    "event_": [m.value for m in Move] + EVENT_KINDS + [k.value for k in EventKind],
    "offer_": [s.value for s in OfferStatus],
    "proximity_": list(PROXIMITY_NAMES.values()),
    "reason_": [*list(WEIGHTS)[1:], "by_hand", "unit"],
    "call_": [d.name for d in CallDirection],
    "call_outcome_": [o.value for o in CallOutcome],
    "survey_by_": [*(c.value for c in SurveyChannel), "return_visit"],
    "survey_": [s.value for s in SurveyStatus],
    "followup_": [s.value for s in FollowUpStatus],
    "import_": list(IMPORTS),
    "passed_over_": list(PASSED_OVER),
    "timeline_kind_": list(KINDS),
    "sim_dial_": ["answered", "missed"],
    "event_closed_": [NO_ANSWER, INVALID],
    "event_urgent_alert_": [h.value for h in HazardKind],
    "action_": list(ACTIONS),
    "outbox_": [k.value for k in MessageKind],
    "recording_": ["record_problem", "record_address", "record_message"],
    # What the queue lists: open tickets, a search, every status, or one status.
    **{f"queue_{part}_": ["open", "search", "all", "status"] for part in ("title", "count")},
    "queue_empty_": ["open", "search", "all", "status"],
    **{f"chart_{part}_": [g.value for g in Grain] for part in ("received", "on_time", "trend")},
    "setting_": [name.lower() for name in VISIBLE_SETTINGS] + ["database", "local_mode"],
    "setting_policy_": ["calendar", "working_days"],
    "language_": list(editing.LANGUAGES),
    # What a ticket_edited / resident_edited event lists as changed.
    "field_": [
        "name",
        "community",
        "building",
        "address",
        "description",
        "priority",
        "language",
        "phone_kind",
    ],
}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bt\('([a-z_]+)'\s*[,)]", text))
        for prefix in re.findall(r"\bt\('([a-z_]+_)'\s*~", text):
            keys |= {prefix + value for value in COMPOSED[prefix]}
    return keys


def test_both_languages_have_the_same_words():
    assert set(WORDS["zh"]) == set(WORDS["en"])


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_key_a_template_uses_exists(language):
    assert used_keys() - set(WORDS[language]) == set()
