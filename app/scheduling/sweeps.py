"""The periodic sweeps the worker runs, and the jobs it runs at once. Each domain owns its
functions.

Sweeps query deadline columns for what is due now and must be harmless to run twice.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.auth import throttle
from app.reports.weekly import weekly_report
from app.reports.yearly import yearly_report
from app.scheduling.jobs import Handler
from app.scheduling.models import JobKind
from app.surveys import tasks as survey_tasks
from app.tickets import supervision
from app.volunteers import tasks as volunteer_tasks

Sweep = Callable[[Session], object]

SWEEPS: list[tuple[str, Sweep]] = [
    ("expire_offers", volunteer_tasks.expire_offers),
    ("dispatch_waiting", volunteer_tasks.dispatch_waiting),
    ("refresh_volunteer_load", volunteer_tasks.refresh_load),
    ("remind_due", supervision.remind_due),
    ("flag_breaches", supervision.flag_breaches),
    ("send_surveys", survey_tasks.send_surveys),
    ("remind_surveys", survey_tasks.remind_surveys),
    ("expire_surveys", survey_tasks.expire_surveys),
    ("remind_followups", survey_tasks.remind_followups),
    ("chase_followups", survey_tasks.chase_followups),
    ("weekly_report", weekly_report),
    ("yearly_report", yearly_report),
    ("forget_login_attempts", throttle.forget_old_attempts),
]

JOBS: dict[JobKind, Handler] = {
    JobKind.ticket_opened: volunteer_tasks.ticket_opened,
    JobKind.category_found: volunteer_tasks.category_found,
    JobKind.ticket_reopened: volunteer_tasks.ticket_reopened,
}
