"""Survey answers by SMS, ahead of the resident's own words in the inbound chain.

It only claims a text from a resident with a survey waiting, and only when the text is an
answer (or the comment after one, or a reply that needs the one clarification). Anything that
looks like a new problem, and the resident's command words, fall through, so a new problem
still opens a ticket.
"""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy.orm import Session

from app.categories.catalog import classify
from app.messaging.courtesy import is_courtesy
from app.messaging.inbound import Answer, Inbound
from app.messaging.outbox import Text
from app.surveys import operations
from app.surveys.answers import mentions_not_fixed, parse_answer
from app.surveys.models import Rating, SurveyChannel
from app.tickets.resident_commands import CANCEL_WORDS, HELP_WORDS, STATUS_WORDS, split_command

COMMAND_WORDS = STATUS_WORDS | CANCEL_WORDS | HELP_WORDS


def handle(session: Session, inbound: Inbound) -> Answer | None:
    resident = inbound.sender.resident
    if (
        resident is None
        or not inbound.sender.survey
        or split_command(inbound.word)[0] in COMMAND_WORDS
    ):
        return None
    body = inbound.body.strip()
    language = resident.language
    survey = operations.awaiting_survey(session, resident)
    if survey is None:
        # The thanks text asks for a comment: what follows it is one, whatever its words, unless
        # it only says thank you (that goes on the timeline) or reports danger (a new ticket).
        survey = operations.commentable_survey(session, resident)
        if survey is None or is_courtesy(body) or classify(body).urgent:
            return None
        operations.add_comment(session, survey, body)
        return Answer(Text("survey_comment_thanks", language), survey.ticket_id)
    code = survey.ticket.code
    parsed = parse_answer(body)
    if parsed is not None:
        with suppress(operations.SurveyClosed):  # a reply sent at the same moment came first
            channel = SurveyChannel.sms
            operations.record_answer(session, survey, parsed.rating, parsed.comment, channel)
        unhappy = parsed.rating is Rating.unsatisfied or mentions_not_fixed(parsed.comment)
        template = "survey_thanks_followup" if unhappy else "survey_thanks"
        values = {"code": code, "hours": operations.followup_hours()}
        return Answer(Text(template, language, values), survey.ticket_id)
    if looks_like_a_problem(body):
        return None
    if survey.clarified_at is None and operations.clarify(session, survey):
        return Answer(Text("survey_clarify", language, {"code": code}), survey.ticket_id)
    with suppress(operations.SurveyClosed):
        operations.mark_invalid(session, survey, body)
    return Answer(Text("survey_invalid", language, {"code": code}), survey.ticket_id)


def looks_like_a_problem(text: str) -> bool:
    """Words of a category or of danger: a new report, not a reply to the survey."""
    found = classify(text)
    return found.category != "other" or found.urgent
