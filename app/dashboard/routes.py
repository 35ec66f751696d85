"""The dashboard blueprint with every page module attached (imported for their routes)."""

from flask import Blueprint, redirect, url_for
from werkzeug.wrappers import Response

from app.dashboard import (
    admin_views,
    callback_views,
    edit_views,
    entry_views,
    import_views,
    local_views,
    people_views,
    queue_views,
    report_views,
    ticket_views,
    user_views,
)
from app.dashboard.blueprint import bp

__all__ = ["PAGES", "bp", "root"]

PAGES = (
    admin_views,
    callback_views,
    edit_views,
    entry_views,
    import_views,
    local_views,
    people_views,
    queue_views,
    report_views,
    ticket_views,
    user_views,
)

root = Blueprint("root", __name__)


@root.get("/")
def home() -> Response:
    return redirect(url_for("dashboard.queue"))
